package io.meterlake.cli;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.Architectures.layeredArchitecture;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;
import static org.assertj.core.api.Assertions.assertThat;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/**
 * The floor plan as rules (ArchUnit, over the main classes of every module this one depends on):
 * no package cycles, {@code common} (the contract) free of Spark, Delta, Hadoop and picocli, every command
 * in {@code cli} (the benchmarks' in {@code bench}, the program above it), and no module reaching one above
 * it. (Maven's module graph enforces the last at compile time as well: {@code common} has no
 * Spark on its class path.)
 */
class ArchitectureTest {
    static final JavaClasses MAIN = new ClassFileImporter()
            .withImportOption(location -> !location.contains("/test-classes/") && !location.contains("-tests.jar"))
            .importPackages("io.meterlake");

    /** The packages of {@code common}: the contract (rules, catalog, periods, signing, errors, configuration). */
    private static final String[] COMMON = {
        "io.meterlake.attribution..",
        "io.meterlake.catalog..",
        "io.meterlake.config..",
        "io.meterlake.error..",
        "io.meterlake.model..",
        "io.meterlake.output..",
        "io.meterlake.period..",
        "io.meterlake.signing..",
        "io.meterlake.validation.."
    };
    /** The packages of {@code stages}: the Spark stages, the tables and the warehouse's storage. */
    private static final String[] STAGES = {
        "io.meterlake.pipeline..",
        "io.meterlake.schema..",
        "io.meterlake.spark..",
        "io.meterlake.storage..",
        "io.meterlake.table.."
    };

    @Test
    void theRulesSeeEveryModule() {
        for (String module : new String[] {
            "io.meterlake.validation.EventRules",
            "io.meterlake.table.Warehouse",
            "io.meterlake.streaming.StreamJob",
            "io.meterlake.batch.publish.Closing",
            "io.meterlake.access.TrinoViews",
            "io.meterlake.gateway.Gateway",
            "io.meterlake.stack.LocalKafka",
            "io.meterlake.workload.WorkloadGenerator",
            "io.meterlake.cli.Main"
        }) {
            assertThat(MAIN.contain(module)).as(module).isTrue();
        }
        assertThat(MAIN.contain("io.meterlake.cli.ArchitectureTest"))
                .as("test classes are not checked")
                .isFalse();
    }

    /**
     * Every message is worded in its module's errors class (as Delta keeps its messages in {@code DeltaErrors}):
     * {@code ContractErrors} (common), {@code WarehouseErrors} (stages), {@code StreamErrors}, {@code BatchErrors},
     * {@code GatewayErrors}, {@code StackErrors}, {@code WorkloadErrors}, {@code CliErrors} ({@code BenchErrors} too,
     * in {@code bench}, which these rules do not see: it sits above {@code cli}).
     * A message composed at its call site fails this.
     */
    @Test
    void messagesAreWordedOnlyInTheErrorsClasses() {
        java.util.Set<String> factories =
                java.util.Set.of("badInput", "missingFile", "notReady", "busy", "checkFailed");
        noClasses()
                .that()
                .haveSimpleNameNotEndingWith("Errors")
                .and()
                .doNotHaveFullyQualifiedName(io.meterlake.error.MeterlakeException.class.getName())
                .should()
                .callMethodWhere(com.tngtech.archunit.base.DescribedPredicate.describe(
                        "a MeterlakeException factory",
                        call -> call.getTargetOwner().isAssignableTo(io.meterlake.error.MeterlakeException.class)
                                && factories.contains(call.getName())))
                .check(MAIN);
        assertThat(MAIN.stream()
                        .filter(c -> c.getSimpleName().endsWith("Errors"))
                        .map(c -> c.getSimpleName()))
                .contains(
                        "ContractErrors",
                        "WarehouseErrors",
                        "StreamErrors",
                        "BatchErrors",
                        "GatewayErrors",
                        "StackErrors",
                        "WorkloadErrors",
                        "CliErrors");
    }

    @Test
    void noPackageCycles() {
        slices().matching("io.meterlake.(**)").should().beFreeOfCycles().check(MAIN);
    }

    @Test
    void commonNeedsNoSparkDeltaHadoopOrPicocli() {
        noClasses()
                .that()
                .resideInAnyPackage(COMMON)
                .should()
                .dependOnClassesThat()
                .resideInAnyPackage("org.apache.spark..", "io.delta..", "org.apache.hadoop..", "scala..", "picocli..")
                .check(MAIN);
    }

    @Test
    void commandsAndTheirOptionsLiveOnlyInCli() {
        classes()
                .that()
                .areAnnotatedWith(CommandLine.Command.class)
                .should()
                .resideInAnyPackage("io.meterlake.cli..", "io.meterlake.bench..")
                .check(MAIN);
        noClasses()
                .that()
                .resideOutsideOfPackages("io.meterlake.cli..", "io.meterlake.bench..")
                .should()
                .dependOnClassesThat()
                .resideInAnyPackage("picocli..")
                .check(MAIN);
    }

    @Test
    void noModuleReachesOneAboveIt() {
        layeredArchitecture()
                .consideringOnlyDependenciesInLayers()
                .layer("cli")
                .definedBy("io.meterlake.cli..")
                .layer("stack")
                .definedBy("io.meterlake.stack..")
                .layer("workload")
                .definedBy("io.meterlake.workload..")
                .layer("access")
                .definedBy("io.meterlake.access..")
                .layer("gateway")
                .definedBy("io.meterlake.gateway..")
                .layer("batch")
                .definedBy("io.meterlake.batch..")
                .layer("streaming")
                .definedBy("io.meterlake.streaming..")
                .layer("stages")
                .definedBy(STAGES)
                .layer("common")
                .definedBy(COMMON)
                .whereLayer("cli")
                .mayNotBeAccessedByAnyLayer()
                .whereLayer("stack")
                .mayOnlyBeAccessedByLayers("cli")
                .whereLayer("workload")
                .mayOnlyBeAccessedByLayers("cli")
                .whereLayer("access")
                .mayOnlyBeAccessedByLayers("stack", "cli")
                .whereLayer("gateway")
                .mayOnlyBeAccessedByLayers("cli")
                .whereLayer("batch")
                .mayOnlyBeAccessedByLayers("gateway", "cli")
                .whereLayer("streaming")
                .mayOnlyBeAccessedByLayers("gateway", "cli")
                .whereLayer("stages")
                .mayOnlyBeAccessedByLayers("streaming", "batch", "access", "gateway", "stack", "workload", "cli")
                .check(MAIN);
    }
}
