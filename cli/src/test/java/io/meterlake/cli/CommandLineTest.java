package io.meterlake.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;

import static org.assertj.core.api.Assertions.assertThat;

/** Parse-level behaviour of the CLI: nothing here starts Spark. */
class CommandLineTest {
    static final Clock CLOCK = Clock.fixed(Instant.parse("2026-11-23T10:00:00Z"), ZoneOffset.UTC);

    /** Runs the CLI in process and captures what it prints. */
    record Run(int exitCode, String out, String err) {
        static Run of(String... args) {
            StringWriter out = new StringWriter();
            StringWriter err = new StringWriter();
            CommandLine commandLine = Main.createCommandLine(CLOCK);
            commandLine.setOut(new PrintWriter(out, true));
            commandLine.setErr(new PrintWriter(err, true));
            int code = commandLine.execute(args);
            return new Run(code, out.toString(), err.toString());
        }
    }

    @Test
    void helpListsEveryCommandAndTheExitCodes() {
        Run run = Run.of("--help");

        assertThat(run.exitCode()).isZero();
        assertThat(run.out().replaceAll("\\s+", " ")).contains("keys", "entitlements", "generate", "ingest", "demo",
                "2 bad usage, config or input", "75 not ready, retry later");
    }

    @Test
    void badUsageIsOneLineWithExit2() {
        for (String[] args : new String[][] {{"nonsense"}, {"ingest"}, {"generate", "--events", "x"}, {}}) {
            Run run = Run.of(args);

            assertThat(run.exitCode()).as(String.join(" ", args)).isEqualTo(2);
            assertThat(run.err()).startsWith("meterlake: ").doesNotContain("\tat ").doesNotContain("Exception")
                    .contains("--help").hasLineCount(1);
        }
    }

    @Test
    void unknownSettingNamesTheKeyAndTheKnownOnes(@TempDir Path dir) {
        Run run = Run.of("--set", "warehose=x", "generate", "--out", dir.resolve("a").toString(),
                "--entitlements-out", dir.resolve("b").toString(), "--truth-out", dir.resolve("c").toString());

        assertThat(run.exitCode()).isEqualTo(2);
        assertThat(run.err()).contains("unknown key 'warehose'", "known keys: warehouse").hasLineCount(1);
    }

    @Test
    void missingInputFileIsExplained() {
        Run run = Run.of("ingest", "no-such-file.jsonl");

        assertThat(run.exitCode()).isEqualTo(2);
        assertThat(run.err()).isEqualTo("meterlake: input file 'no-such-file.jsonl' does not exist or is not a"
                + " readable file: check the path" + System.lineSeparator());
    }

    @Test
    void malformedEntitlementsAreRejectedBeforeAnythingIsWritten(@TempDir Path dir) throws IOException {
        Path csv = Files.writeString(dir.resolve("e.csv"), "entitlement_id,subscription_id\nx,y\n");

        Run run = Run.of("--warehouse", dir.resolve("w").toString(), "entitlements", "load", csv.toString());

        assertThat(run.exitCode()).isEqualTo(2);
        assertThat(run.err()).contains("is malformed", "lacks column tenant_id").hasLineCount(1);
        assertThat(dir.resolve("w")).doesNotExist();
    }

    @Test
    void generatesKeysOnceAndNeverOverwrites(@TempDir Path dir) {
        String[] args = {"keys", "generate", "--private-key-out", dir.resolve("k.pem").toString(),
            "--public-key-out", dir.resolve("k.pub.pem").toString()};

        Run first = Run.of(args);
        Run second = Run.of(args);

        assertThat(first.exitCode()).isZero();
        assertThat(first.out()).matches("key id [0-9a-f]{16}: .*\\R");
        assertThat(dir.resolve("k.pem")).content().startsWith("-----BEGIN PRIVATE KEY-----");
        assertThat(second.exitCode()).isEqualTo(2);
        assertThat(second.err()).contains("already exists");
    }

    @Test
    void generateWritesTheWorkloadAndPrintsItsTruth(@TempDir Path dir) throws IOException {
        Run run = Run.of("generate", "--events", "500", "--seed", "9", "--out", dir.resolve("e.jsonl").toString(),
                "--entitlements-out", dir.resolve("e.csv").toString(), "--truth-out", dir.resolve("t.json").toString(),
                "--format", "json");

        assertThat(run.exitCode()).as(run.err()).isZero();
        assertThat(Files.readAllLines(dir.resolve("e.jsonl"))).hasSize(500);
        assertThat(run.out()).contains("\"records\" : 500");
        assertThat(io.meterlake.workload.TruthJson.read(dir.resolve("t.json")).records()).isEqualTo(500);
    }
}
