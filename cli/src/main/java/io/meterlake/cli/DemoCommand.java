package io.meterlake.cli;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;

import io.meterlake.batch.ingest.IngestReport;
import io.meterlake.batch.publish.PublishJob;
import io.meterlake.batch.publish.PublishMode;
import io.meterlake.batch.publish.PublishResult;
import io.meterlake.batch.publish.Readiness;
import io.meterlake.batch.publish.Verification;
import io.meterlake.batch.publish.VerifyJob;
import io.meterlake.batch.quarantine.QuarantineReplay;
import io.meterlake.batch.quarantine.QuarantineSelection;
import io.meterlake.batch.quarantine.QuarantineStatus;
import io.meterlake.batch.reconcile.ReconcileJob;
import io.meterlake.batch.reconcile.ReconcileResult;
import io.meterlake.cli.options.ConfigOptions;
import io.meterlake.cli.options.FormatOption;
import io.meterlake.config.MeterlakeConfig;
import io.meterlake.error.ExitCodes;
import io.meterlake.model.BillingLine;
import io.meterlake.period.Period;
import io.meterlake.schema.Columns;
import io.meterlake.schema.Tables;
import io.meterlake.signing.Signing;
import io.meterlake.stack.LocalKafka;
import io.meterlake.stack.MeterlakeHome;
import io.meterlake.streaming.StreamJob;
import io.meterlake.table.Warehouse;
import io.meterlake.workload.Truth;
import io.meterlake.workload.WorkloadGenerator;
import io.meterlake.workload.WorkloadSpec;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalInt;
import java.util.OptionalLong;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

/**
 * {@code meterlake demo}: the whole flow on real local parts with nothing to install: start the Kafka
 * broker, generate a workload into the topic, load its entitlements, run the stream until caught up,
 * reconcile, publish and verify the workload's month, print what it ingested, the provisional totals,
 * the stream's progress, the reconciliation and the signed period, check all against the generator's
 * truth, and stop the broker again if the demo started it (also on Ctrl-C).
 */
@Command(
        name = "demo",
        mixinStandardHelpOptions = true,
        description = {
            "Run the whole flow on real local parts, with nothing to install.",
            "",
            "Starts the Kafka broker, generates a month's workload into the topic (entitlements, truth and a",
            "signing key pair into ./demo), loads the entitlements, streams until caught up, then reconciles,",
            "publishes and verifies that month's billing period (--period; default: the latest month that ended",
            "at least 2h ago, so the 1st of a month at 00:30 bills the month before last). Prints the ingest, the provisional totals, the",
            "stream's progress, the reconciliation and the signed period, and compares the ingest and the",
            "published lines with the generator's truth (exit 1 if they differ)."
        })
final class DemoCommand implements Callable<Integer> {
    @ParentCommand
    MeterlakeCommand root;

    @Mixin
    ConfigOptions options;

    @Option(
            names = "--events",
            defaultValue = "10000",
            description = "Records to generate (default: ${DEFAULT-VALUE}).")
    long events;

    @Option(
            names = "--period",
            paramLabel = "YYYY-MM",
            description = "The month to generate and bill (default: the latest month that ended at least 2h ago).")
    String period;

    @Mixin
    FormatOption format;

    @Override
    public Integer call() throws Exception {
        MeterlakeConfig config = root.config();
        // The month and its workload are checked before anything starts.
        Period month = GenerateCommand.span(period, root.clock().instant());
        WorkloadGenerator.requireValid(spec(month), config, root.clock().instant());
        LocalKafka kafka = new LocalKafka(
                Path.of(config.stack().dir()),
                MeterlakeHome.kafkaLib(),
                config.stack().kafkaPort(),
                config.stack().kafkaControllerPort());
        boolean wasRunning = kafka.process().isPresent();
        Thread stopOnExit = new Thread(
                () -> {
                    if (!wasRunning) {
                        kafka.stop();
                    }
                },
                "meterlake-demo-stop-stack");
        Runtime.getRuntime().addShutdownHook(stopOnExit);
        try {
            return run(config, kafka, month);
        } finally {
            Runtime.getRuntime().removeShutdownHook(stopOnExit);
            if (!wasRunning) {
                step("stack stop");
                kafka.stop();
            }
        }
    }

    private int run(MeterlakeConfig config, LocalKafka kafka, Period period) throws Exception {
        Path dir = Path.of("demo");
        Path entitlements = dir.resolve("entitlements.csv");
        Path earlyEntitlements = dir.resolve("entitlements-early.csv");
        String topic = config.kafka().topic();

        step("1/8 stack start: Kafka on " + kafka.bootstrapServers());
        kafka.start(topic, config.kafka().partitions());
        // Records of this run carry broker timestamps from here on (LogAppendTime).
        Timestamp since = new Timestamp(Instant.now(root.clock()).toEpochMilli() - 1);

        WorkloadSpec spec = spec(period);
        step("2/8 generate " + events + " events to topic " + topic + ", corrections among them (voids, amends),"
                + " one tenant's entitlements arriving late"
                + " (entitlements and truth in " + dir.toAbsolutePath() + ")");
        Truth truth = GenerateCommand.generate(
                spec,
                root,
                kafka.bootstrapServers(),
                topic,
                entitlements,
                dir.resolve("truth.json"),
                earlyEntitlements);

        step("3/8 entitlements load " + earlyEntitlements + " (all but the late tenant's)");
        EntitlementsCommand.load(root, earlyEntitlements);

        step("4/8 stream --available-now into " + config.warehouse());
        SparkSession spark = stream(config, kafka.bootstrapServers(), topic);

        Warehouse warehouse = new Warehouse(spark, config.warehouse());
        IngestReport report = ingested(warehouse, topic, since);
        List<String> problems = mismatches(truth, report);

        step("5/8 entitlements load " + entitlements + " (the late tenant's too), then quarantine replay");
        EntitlementsCommand.load(root, entitlements);
        QuarantineReplay.Result replayed = replay(spark, config, truth, problems);
        QuarantineStatus.Conservation conservation = QuarantineStatus.conservation(warehouse.reads());
        if (!conservation.holds()) {
            problems.add("the quarantine's conservation does not hold: " + conservation);
        }

        step("6/8 reconcile --period " + period);
        ReconcileResult reconciled = new ReconcileJob(spark, config).run(period, OptionalLong.empty());
        Truth.Corrections resolved = corrections(truth, period, reconciled, problems);

        DemoReport.Run run = publishAndVerify(
                spark,
                config,
                period,
                dir,
                new DemoReport.Run(
                        truth,
                        since,
                        warehouse,
                        report,
                        replayed,
                        conservation,
                        reconciled,
                        resolved,
                        null,
                        null,
                        null,
                        problems));
        if (format.json()) {
            DemoReport.printJson(root.out(), run);
        } else {
            DemoReport.printTables(root, run, config, period);
        }
        if (!problems.isEmpty()) {
            root.err().println("demo: the run does not match the generator's truth: " + String.join("; ", problems));
        }
        root.out().flush();
        root.err().flush();
        return problems.isEmpty() ? ExitCodes.OK : ExitCodes.FAILED;
    }

    /** Runs the stream until it has caught up with the topic; returns its Spark session, the demo's. */
    private SparkSession stream(MeterlakeConfig config, String bootstrapServers, String topic) throws Exception {
        SparkSession spark = root.spark("meterlake-demo");
        new StreamJob(
                        spark,
                        config.withKafka(new MeterlakeConfig.Kafka(
                                bootstrapServers, topic, config.kafka().partitions())),
                        root.clock(),
                        root.err(),
                        new io.meterlake.batch.limits.LimitNotifier(config, root.clock()))
                .runAvailableNow();
        return spark;
    }

    /** Replays the quarantine once the late entitlements are in; a second replay accepts nothing. */
    private QuarantineReplay.Result replay(
            SparkSession spark, MeterlakeConfig config, Truth truth, List<String> problems) {
        QuarantineReplay.Result replayed = new QuarantineReplay(spark, config, root.clock())
                .replay(QuarantineSelection.ALL, false, text -> step("    " + text));
        long expectedReplayed =
                truth.accepted() - truth.beforeLateEntitlements().accepted();
        if (replayed.accepted() != expectedReplayed) {
            problems.add("the replay accepted " + replayed.accepted() + " != expected " + expectedReplayed);
        }
        QuarantineReplay.Result again =
                new QuarantineReplay(spark, config, root.clock()).replay(QuarantineSelection.ALL, false, text -> {});
        if (again.accepted() != 0) {
            problems.add("replaying again accepted " + again.accepted() + " more");
        }
        return replayed;
    }

    /** Steps 7 and 8: publish the period signed with the demo's key, verify it, compare its lines with the truth. */
    private DemoReport.Run publishAndVerify(
            SparkSession spark, MeterlakeConfig config, Period period, Path dir, DemoReport.Run run)
            throws java.io.IOException {
        Path privateKey = dir.resolve("signing-key.pem");
        Path publicKey = dir.resolve("signing-key.pub.pem");
        if (!Files.isRegularFile(privateKey) || !Files.isRegularFile(publicKey)) {
            Signing.writeKeyPair(Signing.generateKeyPair(), privateKey, publicKey);
        }
        PublishJob publisher = new PublishJob(spark, config, root.clock());
        Readiness readiness = publisher.readiness(period, config.publishGrace());
        step("7/8 publish --period " + period + " --signing-key " + privateKey
                + (readiness.ready()
                        ? ""
                        : " --force (not ready: waits for " + String.join("; and for ", readiness.waitingFor()) + ")"));
        PublishResult published = publisher.publish(
                period,
                Signing.readPrivateKey(privateKey),
                config.publishGrace(),
                readiness.ready() ? PublishMode.WHEN_READY : PublishMode.FORCE,
                OptionalLong.of(run.reconciled().rawTableVersion()));
        new io.meterlake.batch.limits.LimitNotifier(config, root.clock())
                .published(new io.meterlake.table.Warehouse(spark, config.warehouse()), period);

        step("8/8 verify --period " + period + " --revision "
                + published.header().revision() + " --public-key " + publicKey);
        Verification verification = new VerifyJob(spark, config)
                .verify(period, OptionalInt.of(published.header().revision()), Signing.readPublicKey(publicKey));
        run.problems().addAll(verification.mismatches());
        List<Truth.Line> expected = run.truth().lines().stream()
                .filter(line -> line.period().equals(period.toString()))
                .toList();
        if (!sameLines(expected, published.lines())) {
            run.problems().add("the published lines of " + period + " differ from the generator's truth");
        }
        return new DemoReport.Run(
                run.truth(),
                run.since(),
                run.warehouse(),
                run.report(),
                run.replayed(),
                run.conservation(),
                run.reconciled(),
                run.resolved(),
                published,
                verification,
                expected,
                run.problems());
    }

    /** How the recompute resolved the period's corrections, checked against the truth's. */
    private static Truth.Corrections corrections(
            Truth truth, Period period, ReconcileResult reconciled, List<String> problems) {
        Truth.Corrections expectedCorrections =
                truth.corrections().getOrDefault(period.toString(), new Truth.Corrections(0, 0, 0));
        Truth.Corrections resolved = new Truth.Corrections(
                count(reconciled, io.meterlake.batch.recompute.Correction.Outcome.APPLIED),
                count(reconciled, io.meterlake.batch.recompute.Correction.Outcome.SUPERSEDED),
                reconciled.corrections().stream()
                        .filter(c -> c.outcome().rejected())
                        .count());
        if (!resolved.equals(expectedCorrections)) {
            problems.add("the recompute resolved the corrections as " + resolved + ", expected " + expectedCorrections);
        }
        return resolved;
    }

    private static long count(ReconcileResult result, io.meterlake.batch.recompute.Correction.Outcome outcome) {
        return result.corrections().stream().filter(c -> c.outcome() == outcome).count();
    }

    private WorkloadSpec spec(Period month) {
        return new WorkloadSpec(events, 42, 5, month.start(), month.days(), 0.05, 0.01, 0.02, 0.03, 1, 0.02);
    }

    private static boolean sameLines(List<Truth.Line> expected, List<BillingLine> actual) {
        List<BillingLine> truth = expected.stream()
                .map(line -> new BillingLine(
                        line.subscriptionId(),
                        line.billingAccountId(),
                        line.plan(),
                        line.metric(),
                        line.unit(),
                        line.quantity(),
                        line.eventCount()))
                .sorted(BillingLine.CANONICAL_ORDER)
                .toList();
        return truth.equals(actual);
    }

    /** What the stream stored of this run's records (broker timestamps at or after {@code since}). */
    private static IngestReport ingested(Warehouse warehouse, String topic, Timestamp since) {
        long accepted = warehouse
                .read(Tables.RAW_USAGE_EVENTS)
                .where(ofThisRun(topic, since))
                .count();
        TreeMap<String, Long> quarantined = new TreeMap<>();
        warehouse
                .read(Tables.QUARANTINED_EVENTS)
                .where(ofThisRun(topic, since))
                .groupBy(col(Columns.REASON))
                .count()
                .collectAsList()
                .forEach(row -> quarantined.put(row.getString(0), row.getLong(1)));
        long total = accepted
                + quarantined.values().stream().mapToLong(Long::longValue).sum();
        return new IngestReport("kafka topic " + topic, "", false, total, accepted, quarantined);
    }

    private static org.apache.spark.sql.Column ofThisRun(String topic, Timestamp since) {
        return col(Columns.KAFKA_TOPIC)
                .equalTo(topic)
                .and(col(Columns.INGESTED_AT).geq(lit(since)));
    }

    private void step(String text) {
        root.err().println("demo: " + text);
        root.err().flush();
    }

    /** The stream's ingest against the truth before the late entitlements arrived. */
    static List<String> mismatches(Truth truth, IngestReport report) {
        List<String> problems = new ArrayList<>();
        Truth.Early before = truth.beforeLateEntitlements();
        long accepted = before == null ? truth.accepted() : before.accepted();
        java.util.SortedMap<String, Long> quarantined = before == null ? truth.quarantined() : before.quarantined();
        if (report.records() != truth.records()) {
            problems.add("records " + report.records() + " != expected " + truth.records());
        }
        if (report.accepted() != accepted) {
            problems.add("accepted " + report.accepted() + " != expected " + accepted);
        }
        if (!report.quarantined().equals(quarantined)) {
            problems.add("quarantined " + report.quarantined() + " != expected " + quarantined);
        }
        return problems;
    }
}
