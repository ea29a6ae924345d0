package io.meterlake.cli;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import org.junit.jupiter.api.Test;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.Architectures.layeredArchitecture;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The floor plan as rules (ArchUnit, over the main classes of every module this one depends on):
 * no package cycles, {@code common} (the contract) free of Spark, Delta and Hadoop, and no module reaching
 * one above it. (Maven's module graph enforces the last at compile time as well: {@code common} has no
 * Spark on its class path.)
 */
class ArchitectureTest {
    static final JavaClasses MAIN = new ClassFileImporter()
            .withImportOption(location -> !location.contains("/test-classes/") && !location.contains("-tests.jar"))
            .importPackages("io.meterlake");

    /** The packages of {@code common}: the contract (rules, catalog, periods, signing, errors, configuration). */
    private static final String[] COMMON = {"io.meterlake.attribution..", "io.meterlake.catalog..",
        "io.meterlake.config..", "io.meterlake.error..", "io.meterlake.model..", "io.meterlake.output..",
        "io.meterlake.period..", "io.meterlake.signing..", "io.meterlake.validation.."};
    /** The packages of {@code stages}: the Spark stages, the tables and the warehouse's storage. */
    private static final String[] STAGES = {"io.meterlake.pipeline..", "io.meterlake.schema..", "io.meterlake.spark..",
        "io.meterlake.storage..", "io.meterlake.table.."};

    @Test
    void theRulesSeeEveryModule() {
        for (String module : new String[] {"io.meterlake.validation.EventRules", "io.meterlake.table.Warehouse",
            "io.meterlake.streaming.StreamJob",
            "io.meterlake.batch.publish.Closing", "io.meterlake.gateway.Gateway", "io.meterlake.cli.Main"}) {
            assertThat(MAIN.contain(module)).as(module).isTrue();
        }
        assertThat(MAIN.contain("io.meterlake.cli.ArchitectureTest")).as("test classes are not checked").isFalse();
    }

    @Test
    void noPackageCycles() {
        slices().matching("io.meterlake.(**)").should().beFreeOfCycles().check(MAIN);
    }

    @Test
    void commonNeedsNoSparkDeltaOrHadoopAndOnlyItsCommandLinePlumbingPicocli() {
        noClasses().that().resideInAnyPackage(COMMON).should().dependOnClassesThat()
                .resideInAnyPackage("org.apache.spark..", "io.delta..", "org.apache.hadoop..", "scala..")
                .check(MAIN);
        // The options every command shares; they move with the commands into cli.
        noClasses().that().resideInAnyPackage(COMMON).and().resideOutsideOfPackage("io.meterlake.config")
                .should().dependOnClassesThat().resideInAnyPackage("picocli..").check(MAIN);
    }

    @Test
    void noModuleReachesOneAboveIt() {
        layeredArchitecture().consideringOnlyDependenciesInLayers()
                .layer("cli").definedBy("io.meterlake.cli..", "io.meterlake.stack..", "io.meterlake.workload..")
                .layer("gateway").definedBy("io.meterlake.gateway..")
                .layer("batch").definedBy("io.meterlake.batch..")
                .layer("streaming").definedBy("io.meterlake.streaming..")
                .layer("stages").definedBy(STAGES)
                .layer("common").definedBy(COMMON)
                .whereLayer("cli").mayNotBeAccessedByAnyLayer()
                .whereLayer("gateway").mayOnlyBeAccessedByLayers("cli")
                .whereLayer("batch").mayOnlyBeAccessedByLayers("cli")
                .whereLayer("streaming").mayOnlyBeAccessedByLayers("gateway", "cli")
                .whereLayer("stages").mayOnlyBeAccessedByLayers("streaming", "batch", "gateway", "cli")
                .check(MAIN);
    }
}
