package io.meterlake.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.meterlake.signing.Signing;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** Parse-level behaviour of the CLI: nothing here starts Spark. */
class CommandLineTest {
    /**
     * The clock of tests whose every time comparison runs in process (generate, file ingest, publish).
     * A test whose ingest time comes from the broker ({@code LogAppendTime}) uses {@link #LIVE} for all
     * of them instead.
     */
    static final Clock CLOCK = Clock.fixed(Instant.parse("2026-11-23T10:00:00Z"), ZoneOffset.UTC);
    /** The real clock: the one the broker stamps ingest times with. */
    static final Clock LIVE = Clock.systemUTC();

    /** Runs the CLI in process and captures what it prints. */
    record Run(int exitCode, String out, String err) {
        /** On the fixed {@link #CLOCK}. */
        static Run of(String... args) {
            return at(CLOCK, args);
        }

        static Run at(Clock clock, String... args) {
            StringWriter out = new StringWriter();
            StringWriter err = new StringWriter();
            CommandLine commandLine = Main.createCommandLine(clock);
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
        assertThat(run.out().replaceAll("\\s+", " "))
                .contains(
                        "keys",
                        "entitlements",
                        "events",
                        "demo",
                        "gateway",
                        "periods",
                        "quarantine",
                        "maintain",
                        "2 bad usage, config or input",
                        "75 not ready, retry later");
    }

    /** The commands grouped by what they act on; about a dozen at the top, none left behind. */
    @Test
    void theTopLevelListsTheGroupsAndTheGroupsTheirCommands() {
        String top = Run.of("--help").out();
        String commands = top.substring(top.indexOf("Commands:"));
        assertThat(commands.lines()
                        .filter(line -> line.matches("  \\S.*"))
                        .map(line -> line.trim().split(" ")[0]))
                .containsExactly(
                        "demo",
                        "stack",
                        "stream",
                        "usage",
                        "events",
                        "periods",
                        "quarantine",
                        "corrections",
                        "maintain",
                        "notifications",
                        "gateway",
                        "entitlements",
                        "limits",
                        "keys",
                        "trino");
        assertThat(Run.of("events", "--help").out()).contains("ingest", "produce", "generate", "dedup-audit");
        assertThat(Run.of("periods", "--help").out())
                .contains("reconcile", "publish", "verify", "approve", "lock", "statement", "show", "ready", "status");
        assertThat(Run.of("trino", "--help").out()).contains("register", "sql");
    }

    /**
     * Scripts written for the flat names keep working: each old name is the same command, hidden from the
     * help, with the same options (the DAG and the docs use the grouped names).
     */
    @Test
    void theOldFlatNamesAreHiddenAliasesOfTheGroupedCommands() {
        Map<String, String> moved = Map.of(
                "ingest",
                "events",
                "produce",
                "events",
                "generate",
                "events",
                "dedup-audit",
                "events",
                "reconcile",
                "periods",
                "publish",
                "periods",
                "verify",
                "periods",
                "approve",
                "periods",
                "lock",
                "periods",
                "statement",
                "periods");
        CommandLine root = Main.createCommandLine(CLOCK);
        java.util.Set<String> hidden = new java.util.TreeSet<>();
        root.getSubcommands().forEach((name, sub) -> {
            if (sub.getCommandSpec().usageMessage().hidden()) {
                hidden.add(name);
            }
        });
        assertThat(hidden)
                .containsExactlyInAnyOrderElementsOf(
                        java.util.stream.Stream.concat(moved.keySet().stream(), java.util.stream.Stream.of("sql"))
                                .toList());
        Map<String, String> all = new LinkedHashMap<>(moved);
        all.put("sql", "trino");
        all.forEach((name, group) -> {
            CommandLine alias = root.getSubcommands().get(name);
            CommandLine grouped =
                    root.getSubcommands().get(group).getSubcommands().get(name);
            Object aliasCommand = alias.getCommand();
            Object groupedCommand = grouped.getCommand();
            assertThat(aliasCommand.getClass()).as(name).isEqualTo(groupedCommand.getClass());
            assertThat(aliasCommand == groupedCommand)
                    .as(name + ": its own instance")
                    .isFalse();
            assertThat(alias.getCommandSpec().options().stream()
                            .map(o -> o.longestName())
                            .toList())
                    .as(name)
                    .isEqualTo(grouped.getCommandSpec().options().stream()
                            .map(o -> o.longestName())
                            .toList());
        });
        assertThat(Run.of("publish", "--period", "2026-13")
                        .err()
                        .replace("meterlake publish", "meterlake periods publish"))
                .isEqualTo(Run.of("periods", "publish", "--period", "2026-13").err());
    }

    @Test
    void batchCommandsRejectBadArgumentsBeforeStartingSpark(@TempDir Path dir) throws IOException {
        Path key = dir.resolve("k.pem");
        Signing.writeKeyPair(Signing.generateKeyPair(), key, dir.resolve("k.pub.pem"));
        Map<List<String>, String> cases = new LinkedHashMap<>();
        cases.put(
                List.of("periods", "reconcile", "--period", "2026-13"),
                "'2026-13' is not a period: write a UTC month as YYYY-MM");
        cases.put(List.of("periods", "reconcile", "--period", "October"), "'October' is not a period");
        cases.put(
                List.of("periods", "publish", "--period", "2026-10"),
                "Missing required option: '--signing-key=<file>'");
        cases.put(
                List.of(
                        "periods",
                        "publish",
                        "--period",
                        "2026-10",
                        "--signing-key",
                        key.toString(),
                        "--grace",
                        "two days"),
                "--grace 'two days' is not a duration: write it like 10s, 500ms, 2m, 48h, 3d or PT48H");
        cases.put(
                List.of(
                        "periods",
                        "publish",
                        "--period",
                        "2026-10",
                        "--signing-key",
                        dir.resolve("k.pub.pem").toString()),
                "holds no PEM block 'PRIVATE KEY'");
        cases.put(
                List.of("periods", "verify", "--period", "2026-10", "--public-key", "missing.pem"),
                "key file 'missing.pem' does not exist");
        cases.put(
                List.of("periods"),
                "'meterlake periods' needs a command: reconcile, publish, verify, approve, lock, statement, show");
        cases.put(List.of("periods", "ready"), "Missing required option: '--period=YYYY-MM|YYYY-MM-DD'");
        cases.put(List.of("maintain", "--retain", "a week"), "--retain 'a week' is not a duration");
        cases.put(List.of("maintain", "--retain", "-PT1H"), "--retain -PT1H is negative");
        cases.put(
                List.of("periods", "show", "--period", "2026-10", "--format", "xml"),
                "Invalid value for option '--format'");
        // One --format: every command takes table and json, the listing ones csv too; csv elsewhere is named.
        cases.put(
                List.of("periods", "status", "--period", "2026-10", "--format", "csv"),
                "expected one of [table, json] but was 'csv' (this command prints no csv)");
        // The long-running commands' metrics address, before Spark or the broker is asked anything.
        cases.put(List.of("stream", "--metrics", "9464"), "--metrics '9464' is not <host>:<port>");
        cases.put(
                List.of("notifications", "deliver", "--metrics", "localhost:http"),
                "--metrics 'localhost:http' is not <host>:<port>");
        eachIsOneUsageLine(cases);
    }

    @Test
    void badUsageIsOneLineWithExit2() {
        for (String[] args : new String[][] {{"nonsense"}, {"ingest"}, {"generate", "--events", "x"}, {}}) {
            Run run = Run.of(args);

            assertThat(run.exitCode()).as(String.join(" ", args)).isEqualTo(2);
            assertThat(run.err())
                    .startsWith("meterlake: ")
                    .doesNotContain("\tat ")
                    .doesNotContain("Exception")
                    .contains("--help")
                    .hasLineCount(1);
        }
    }

    @Test
    void unknownSettingNamesTheKeyAndTheKnownOnes(@TempDir Path dir) {
        Run run = Run.of(
                "--set",
                "warehose=x",
                "generate",
                "--out",
                dir.resolve("a").toString(),
                "--entitlements-out",
                dir.resolve("b").toString(),
                "--truth-out",
                dir.resolve("c").toString());

        assertThat(run.exitCode()).isEqualTo(2);
        assertThat(run.err())
                .contains("unknown key 'warehose' in --set: did you mean warehouse?")
                .hasLineCount(1);
    }

    @Test
    void missingInputFileIsExplained() {
        Run run = Run.of("ingest", "no-such-file.jsonl");

        assertThat(run.exitCode()).isEqualTo(2);
        assertThat(run.err())
                .isEqualTo("meterlake: input file 'no-such-file.jsonl' does not exist or is not a"
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
    void generatesKeysOnceAndNeverOverwrites(@TempDir Path dir) throws IOException {
        String[] args = {
            "keys",
            "generate",
            "--private-key-out",
            dir.resolve("k.pem").toString(),
            "--public-key-out",
            dir.resolve("k.pub.pem").toString()
        };

        Run first = Run.of(args);
        Run second = Run.of(args);

        assertThat(first.exitCode()).isZero();
        assertThat(first.out()).matches("key id [0-9a-f]{16}: .*\\R");
        assertThat(dir.resolve("k.pem")).content().startsWith("-----BEGIN PRIVATE KEY-----");
        assertThat(java.nio.file.attribute.PosixFilePermissions.toString(
                        Files.getPosixFilePermissions(dir.resolve("k.pem"))))
                .isEqualTo("rw-------");
        assertThat(second.exitCode()).isEqualTo(2);
        assertThat(second.err()).contains("already exists");
    }

    @Test
    void generateWritesTheWorkloadAndPrintsItsTruth(@TempDir Path dir) throws IOException {
        Run run = Run.of(
                "generate",
                "--events",
                "500",
                "--seed",
                "9",
                "--out",
                dir.resolve("e.jsonl").toString(),
                "--entitlements-out",
                dir.resolve("e.csv").toString(),
                "--truth-out",
                dir.resolve("t.json").toString(),
                "--format",
                "json");

        assertThat(run.exitCode()).as(run.err()).isZero();
        assertThat(Files.readAllLines(dir.resolve("e.jsonl"))).hasSize(500);
        assertThat(run.out()).contains("\"records\" : 500");
        assertThat(io.meterlake.workload.TruthJson.read(dir.resolve("t.json")).records())
                .isEqualTo(500);
    }

    @Test
    void everyCommandSummarizesItselfInOneSentenceAndPrintsItsVersion() {
        List<List<String>> paths = new java.util.ArrayList<>();
        collect(Main.createCommandLine(CLOCK), List.of(), paths);
        assertThat(paths).hasSizeGreaterThan(20);
        for (List<String> path : paths) {
            CommandLine command = Main.createCommandLine(CLOCK);
            for (String name : path) {
                command = command.getSubcommands().get(name);
            }
            String[] description = command.getCommandSpec().usageMessage().description();
            assertThat(description).as(String.join(" ", path)).isNotEmpty();
            assertThat(description[0]).as(String.join(" ", path)).endsWith(".");
            List<String> args = new java.util.ArrayList<>(path);
            args.add("-V");
            Run version = Run.of(args.toArray(String[]::new));
            assertThat(version.exitCode()).isZero();
            assertThat(version.out())
                    .as(String.join(" ", args))
                    .startsWith("meterlake ")
                    .hasLineCount(1);
        }
    }

    /** The launcher's list of the commands that only read (their JVMs start for a short life) is the ReadsOnly ones. */
    @Test
    void theLaunchersShortLivedCommandsAreTheCommandsThatOnlyRead() throws IOException {
        List<List<String>> paths = new java.util.ArrayList<>();
        collect(Main.createCommandLine(CLOCK), List.of(), paths);
        List<String> readsOnly = new java.util.ArrayList<>();
        for (List<String> path : paths) {
            CommandLine command = Main.createCommandLine(CLOCK);
            for (String name : path) {
                command = command.getSubcommands().get(name);
            }
            if (command.getCommandSpec().userObject() instanceof io.meterlake.cli.options.ReadsOnly) {
                readsOnly.add(String.join(" ", path));
            }
        }
        String launcher =
                Files.readString(Path.of(System.getProperty("user.dir")).resolve("../bin/meterlake"));
        java.util.regex.Matcher list =
                java.util.regex.Pattern.compile("(?s)\\nread_only=\\((.*?)\\)").matcher(launcher);
        assertThat(list.find()).as("read_only=(...) in bin/meterlake").isTrue();
        List<String> listed = new java.util.ArrayList<>();
        java.util.regex.Matcher quoted =
                java.util.regex.Pattern.compile("\"([^\"]+)\"").matcher(list.group(1));
        while (quoted.find()) {
            listed.add(quoted.group(1));
        }
        assertThat(listed)
                .containsExactlyInAnyOrderElementsOf(readsOnly)
                .contains("periods status", "usage", "quarantine list");
    }

    private static void collect(CommandLine command, List<String> path, List<List<String>> paths) {
        paths.add(path);
        command.getSubcommands().forEach((name, sub) -> {
            List<String> longer = new java.util.ArrayList<>(path);
            longer.add(name);
            collect(sub, longer, paths);
        });
    }

    /** A command that only reads, on a warehouse that does not exist: exit 2 naming it, not an empty report. */
    @Test
    void aReadOfAWarehouseThatDoesNotExistNamesIt(@TempDir Path dir) {
        String missing = dir.resolve("no-such-warehouse").toString();
        Path key = dir.resolve("k.pub.pem");
        Signing.writeKeyPair(Signing.generateKeyPair(), dir.resolve("k.pem"), key);
        for (List<String> command : List.of(
                List.of("periods", "status", "--period", "2026-11"),
                List.of("periods", "show", "--period", "2026-11"),
                List.of("periods", "list"),
                List.of("periods", "verify", "--period", "2026-11", "--public-key", key.toString()),
                List.of("periods", "statement", "--period", "2026-11", "--out-dir", dir.toString()),
                List.of("quarantine", "list"),
                List.of("events", "dedup-audit"),
                List.of("usage", "--subscription", "sub-1", "--period", "2026-11"))) {
            List<String> args = new java.util.ArrayList<>(List.of("--warehouse", missing));
            args.addAll(command);
            Run run = Run.of(args.toArray(String[]::new));
            assertThat(run.exitCode()).as(String.join(" ", command)).isEqualTo(2);
            assertThat(run.err())
                    .as(String.join(" ", command))
                    .isEqualTo("meterlake: there is no warehouse at " + missing + ": pass --warehouse with the"
                            + " directory the stream and ingest write to (the 'warehouse' setting)\n");
            assertThat(Files.exists(Path.of(missing))).isFalse();
        }
    }

    /** trino sql answers from the registered warehouse: a --warehouse naming another is refused, not ignored. */
    @Test
    void aQueryOfAWarehouseTrinoDoesNotServeIsRefused(@TempDir Path dir) {
        Path asked = dir.resolve("w");
        Run run = Run.of(
                "--set",
                "stack.dir=" + dir.resolve("stack"),
                "trino",
                "sql",
                "select 1",
                "--warehouse",
                asked.toString());

        assertThat(run.exitCode()).isEqualTo(2);
        assertThat(run.err())
                .isEqualTo("meterlake: Trino serves no warehouse, not " + asked.toUri() + "/: register it first with"
                        + " 'meterlake --warehouse " + asked + " trino register'\n");
    }

    /** gateway tokens: add prints the token alone on stdout, once; list never shows it; revoke removes it. */
    @Test
    void gatewayTokensAreAddedListedAndRevokedWithoutAHashByHand(@TempDir Path dir) throws IOException {
        String[] file = {
            "--set",
            "gateway.tokens-file=" + dir.resolve("tokens"),
            "--set",
            "gateway.read-tokens-file=" + dir.resolve("read-tokens")
        };
        Run added = Run.of(concat(
                file, "gateway", "tokens", "add", "billing", "--source", "forge-functions", "--source", "forge-kvs"));
        assertThat(added.exitCode()).as(added.err()).isZero();
        String token = added.out().strip();
        assertThat(token).matches("[0-9a-f]{64}");
        assertThat(added.err())
                .startsWith("gateway: token 'billing' added for forge-functions, forge-kvs to " + dir.resolve("tokens"))
                .contains("printed only now")
                .doesNotContain(token);
        assertThat(io.meterlake.gateway.Tokens.read(dir.resolve("tokens")).authenticate(token))
                .isPresent();

        Run listed = Run.of(concat(file, "gateway", "tokens", "list"));
        assertThat(listed.out())
                .containsPattern("billing +ingest +forge-functions, forge-kvs")
                .contains("(1 token in ")
                .doesNotContain(token)
                .doesNotContain(io.meterlake.gateway.Tokens.sha256(token));
        assertThat(new com.fasterxml.jackson.databind.ObjectMapper()
                        .readTree(Run.of(concat(file, "gateway", "tokens", "list", "--format", "json"))
                                .out())
                        .toString())
                .isEqualTo(
                        "[{\"name\":\"billing\",\"kind\":\"ingest\",\"sources\":[\"forge-functions\",\"forge-kvs\"]}]");

        // A read token: a file of its own, listed beside the ingest tokens; a name is one token's in both files.
        Run reader =
                Run.of(concat(file, "gateway", "tokens", "add", "acme-portal", "--tenant", "acme", "--account", "a1"));
        assertThat(reader.exitCode()).as(reader.err()).isZero();
        assertThat(reader.err())
                .startsWith("gateway: read token 'acme-portal' added for tenant:acme, account:a1 to "
                        + dir.resolve("read-tokens"));
        assertThat(io.meterlake.gateway.Tokens.read(dir.resolve("read-tokens"))
                        .authenticate(reader.out().strip())
                        .orElseThrow()
                        .sources())
                .containsExactlyInAnyOrder("tenant:acme", "account:a1");
        assertThat(io.meterlake.gateway.Tokens.read(dir.resolve("tokens"))
                        .authenticate(reader.out().strip()))
                .isEmpty();
        assertThat(Run.of(concat(file, "gateway", "tokens", "list")).out())
                .containsPattern("acme-portal +read +account:a1, tenant:acme");
        for (String[] wrong : List.of(
                new String[] {"add", "both", "--source", "s", "--finance"},
                new String[] {"add", "neither"},
                new String[] {"add", "acme-portal", "--source", "s"},
                new String[] {"add", "billing", "--finance"})) {
            Run refused = Run.of(concat(concat(file, "gateway", "tokens"), wrong));
            assertThat(refused.exitCode()).as(String.join(" ", wrong)).isEqualTo(2);
            assertThat(refused.err()).as(String.join(" ", wrong)).hasLineCount(1);
        }
        assertThat(Run.of(concat(file, "gateway", "tokens", "revoke", "acme-portal"))
                        .exitCode())
                .isZero();
        assertThat(io.meterlake.gateway.Tokens.read(dir.resolve("read-tokens"), true)
                        .size())
                .isZero();

        Run twice = Run.of(concat(file, "gateway", "tokens", "add", "billing", "--source", "x"));
        assertThat(twice.exitCode()).isEqualTo(2);
        assertThat(twice.err()).hasLineCount(1).contains("there is a token named 'billing'");
        Run revoked = Run.of(concat(file, "gateway", "tokens", "revoke", "billing"));
        assertThat(revoked.out()).startsWith("revoked token 'billing' in ");
        assertThat(io.meterlake.gateway.Tokens.read(dir.resolve("tokens"), true).authenticate(token))
                .isEmpty();
        Run unknown = Run.of(concat(file, "gateway", "tokens", "revoke", "billing"));
        assertThat(unknown.exitCode()).isEqualTo(2);
        assertThat(unknown.err()).hasLineCount(1).contains("there is no token named 'billing'");
    }

    private static String[] concat(String[] first, String... more) {
        String[] all = java.util.Arrays.copyOf(first, first.length + more.length);
        System.arraycopy(more, 0, all, first.length, more.length);
        return all;
    }

    /** The demo has --period only: a month too old for the time rules is refused naming --period. */
    @Test
    void aDemoOfAMonthTooOldNamesItsPeriod() {
        Run run = Run.of("demo", "--period", "2024-01");

        assertThat(run.exitCode()).isEqualTo(2);
        assertThat(run.err())
                .startsWith("meterlake: --period 2024-01 is too far in the past: its events would be quarantined as"
                        + " EVENT_TOO_OLD (events before ")
                .contains("choose a later --period, e.g. ")
                .doesNotContain("--start")
                .hasLineCount(1);
    }

    @Test
    void anUnknownCommandIsNamedWithTheKnownOnes() {
        Run run = Run.of("--warehouse", "W", "frobnicate");

        assertThat(run.exitCode()).isEqualTo(2);
        assertThat(run.err())
                .startsWith("meterlake: unknown command 'frobnicate' for 'meterlake' (the commands are demo,")
                .contains("events", "periods")
                .doesNotContain("index")
                .doesNotContain("publish")
                .hasLineCount(1);
        assertThat(Run.of("periods", "shwo").err())
                .contains("unknown command 'shwo' for 'meterlake periods': did you mean show?")
                .contains("show, ready");
    }

    /** Each command line exits 2 with one line that names its problem: no stack trace, none of {@code absent}. */
    private static void eachIsOneUsageLine(Map<List<String>, String> cases, String... absent) {
        List<String> never = new java.util.ArrayList<>(List.of(absent));
        never.add("\tat ");
        cases.forEach((args, message) -> {
            Run run = Run.of(args.toArray(String[]::new));
            assertThat(run.exitCode()).as(String.join(" ", args)).isEqualTo(2);
            assertThat(run.err())
                    .as(String.join(" ", args))
                    .startsWith("meterlake: ")
                    .contains(message)
                    .doesNotContain(never.toArray(CharSequence[]::new))
                    .hasLineCount(1);
        });
    }

    /**
     * Every misspelt option, command and setting gets the close names, on one line: also when the misspelt
     * option is a required one (picocli would only say that the required option is missing).
     */
    @Test
    void everyTypoGetsTheNamesItWasCloseTo() {
        Map<List<String>, String> cases = new LinkedHashMap<>();
        cases.put(List.of("periods", "status", "--formt", "json"), "unknown option '--formt': did you mean --format?");
        cases.put(List.of("periods", "show", "--perod", "2026-11"), "unknown option '--perod': did you mean --period?");
        cases.put(List.of("periods", "show", "--perod=2026-11"), "unknown option '--perod': did you mean --period?");
        cases.put(List.of("periods", "statu"), "unknown command 'statu' for 'meterlake periods': did you mean status?");
        cases.put(
                List.of("--set", "strem.trigger=5s", "periods", "status", "--period", "2026-11"),
                "unknown key 'strem.trigger' in --set: did you mean stream.trigger?");
        cases.put(List.of("--set", "stream.trigger", "stack", "status"), "Value for option '--set' (key=value)");
        eachIsOneUsageLine(cases, "option option", "gateway.max-concurrent-requests");
    }

    @Test
    void globalOptionsWorkAfterEveryCommandAndBadSettingsStopBeforeSpark(@TempDir Path dir) throws IOException {
        Path events = Files.writeString(dir.resolve("e.jsonl"), "{}\n");
        Path file = Files.writeString(dir.resolve("not-a-directory"), "x");
        Map<List<String>, String> cases = new LinkedHashMap<>();
        cases.put(
                List.of("ingest", events.toString(), "--set", "spark.master=bogus"),
                "spark.master 'bogus' is not a Spark master URL: use local[*]");
        cases.put(
                List.of("ingest", "--warehouse", file.toString(), events.toString()),
                "the warehouse " + file + " is a file, not a directory");
        cases.put(
                List.of("--warehouse", file.toString(), "periods", "show", "--period", "2026-10"),
                "is a file, not a directory");
        cases.put(List.of("stack", "status", "--set", "nope=1"), "unknown key 'nope' in --set (no key is close to it)");
        cases.put(
                List.of(
                        "generate",
                        "--set",
                        "publish.grace=two days",
                        "--out",
                        dir.resolve("a").toString(),
                        "--entitlements-out",
                        dir.resolve("b").toString(),
                        "--truth-out",
                        dir.resolve("c").toString()),
                "publish.grace 'two days' is not a duration: write it like 10s");
        eachIsOneUsageLine(cases);
        // The options after the command take effect: a duration in the one syntax, a later warehouse.
        Run generated = Run.of(
                "generate",
                "--events",
                "20",
                "--set",
                "publish.grace=48h",
                "--out",
                dir.resolve("g.jsonl").toString(),
                "--entitlements-out",
                dir.resolve("g.csv").toString(),
                "--truth-out",
                dir.resolve("g.json").toString());
        assertThat(generated.exitCode()).as(generated.err()).isZero();
    }

    @Test
    void periodsThatHaveNotEndedAreRefusedBeforeSpark(@TempDir Path dir) {
        Path key = dir.resolve("k.pem");
        Signing.writeKeyPair(Signing.generateKeyPair(), key, dir.resolve("k.pub.pem"));

        Run run = Run.of(
                "--warehouse",
                dir.resolve("w").toString(),
                "publish",
                "--period",
                "2026-11",
                "--signing-key",
                key.toString(),
                "--force");

        assertThat(run.exitCode()).isEqualTo(2);
        assertThat(run.err())
                .isEqualTo("meterlake: period 2026-11 has not ended: it ends at 2026-12-01T00:00:00Z"
                        + " (now 2026-11-23T10:00:00Z), and a signed revision is kept forever: publish it after its end plus"
                        + " the grace; --force only skips the wait for the grace and the stream"
                        + System.lineSeparator());
        assertThat(dir.resolve("w")).doesNotExist();
    }
}
