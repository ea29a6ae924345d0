package io.meterlake.cli.options;

import io.meterlake.error.ExitCodes;
import io.meterlake.error.MeterlakeException;
import io.meterlake.output.Suggestions;
import java.io.PrintWriter;
import java.util.List;
import picocli.CommandLine;

/**
 * Meterlake's error handling for any picocli entry point: a {@link MeterlakeException} prints its
 * one-line message and exits with its code; bad usage prints the problem and where to find help, on
 * one line, and exits 2; anything else prints one line and exits 1 (the stack trace only with
 * {@code METERLAKE_DEBUG=1}).
 */
public final class CommandLineErrors {
    private CommandLineErrors() {}

    public static CommandLine install(CommandLine commandLine) {
        versionEverywhere(commandLine);
        // One duration syntax for every option typed Duration (the others parse with Durations themselves).
        commandLine.registerConverter(
                java.time.Duration.class,
                text -> io.meterlake.period.Durations.tryParse(text)
                        .orElseThrow(() -> new CommandLine.TypeConversionException(
                                "'" + text + "' is not a duration: " + io.meterlake.period.Durations.SYNTAX)));
        commandLine.setCaseInsensitiveEnumValuesAllowed(true);
        // Help as wide as the terminal, else 120 columns: descriptions are written for that width.
        commandLine.setUsageHelpWidth(120);
        commandLine.setUsageHelpAutoWidth(true);
        commandLine.setParameterExceptionHandler((e, args) -> {
            PrintWriter err = e.getCommandLine().getErr();
            err.println("meterlake: " + problem(e) + " (see '"
                    + e.getCommandLine().getCommandSpec().qualifiedName() + " --help')");
            err.flush();
            return ExitCodes.USAGE;
        });
        commandLine.setExecutionExceptionHandler((e, cmd, parseResult) -> {
            PrintWriter err = cmd.getErr();
            MeterlakeException known = find(e);
            if (known != null) {
                err.println("meterlake: " + known.getMessage());
                err.flush();
                return known.exitCode();
            }
            String diskFull = diskFull(e);
            if (diskFull != null) {
                err.println("meterlake: " + diskFull);
                err.flush();
                return ExitCodes.FAILED;
            }
            err.println(
                    "meterlake: unexpected error: " + firstLine(e) + " (set METERLAKE_DEBUG=1 to see the stack trace)");
            if (System.getenv("METERLAKE_DEBUG") != null) {
                e.printStackTrace(err);
            }
            err.flush();
            return ExitCodes.FAILED;
        });
        return commandLine;
    }

    /** For commands that only group subcommands: naming none is a usage error listing them. */
    public static CommandLine.ParameterException subcommandRequired(CommandLine.Model.CommandSpec command) {
        return new CommandLine.ParameterException(
                command.commandLine(),
                "'" + command.qualifiedName() + "' needs a command: " + String.join(", ", visible(command)));
    }

    /** The names of a command's subcommands that its help lists (not the hidden aliases of moved ones). */
    private static List<String> visible(CommandLine.Model.CommandSpec command) {
        return command.subcommands().entrySet().stream()
                .filter(sub -> !sub.getValue().getCommandSpec().usageMessage().hidden())
                .map(java.util.Map.Entry::getKey)
                .toList();
    }

    /** {@code -V} of every command, not only the root's, prints Meterlake's version. */
    private static void versionEverywhere(CommandLine commandLine) {
        commandLine.getCommandSpec().versionProvider(() -> new String[] {"meterlake " + version()});
        commandLine.getSubcommands().values().forEach(CommandLineErrors::versionEverywhere);
    }

    /** The build's version, from the jar manifest; "(development build)" when run from classes. */
    public static String version() {
        String version = CommandLineErrors.class.getPackage().getImplementationVersion();
        return version == null ? "(development build)" : version;
    }

    /**
     * What went wrong with the command line, in the user's terms. An unknown option or command comes first
     * (with the close names), even when picocli stopped at a required option the typo was meant to be.
     */
    private static String problem(CommandLine.ParameterException e) {
        CommandLine.Model.CommandSpec command = e.getCommandLine().getCommandSpec();
        List<String> unmatched = e instanceof CommandLine.UnmatchedArgumentException u
                ? u.getUnmatched()
                : e.getCommandLine().getUnmatchedArguments();
        if (!unmatched.isEmpty()) {
            String first = unmatched.get(0);
            if (!command.subcommands().isEmpty() && !first.startsWith("-")) {
                return "unknown command '" + first + "' for '" + command.qualifiedName() + "'"
                        + Suggestions.didYouMean(first, visible(command)) + " (the commands are "
                        + String.join(", ", visible(command)) + ")";
            }
            if (first.startsWith("-")) {
                String option = first.replaceFirst("=.*", "");
                List<String> names = command.options().stream()
                        .filter(o -> !o.hidden())
                        .flatMap(o -> java.util.Arrays.stream(o.names()))
                        .toList();
                return "unknown option '" + option + "'" + Suggestions.didYouMean(option, names);
            }
            return "unexpected argument '" + first + "'";
        }
        // picocli says "Value for option option '--set' (key=value) ...": one "option" is enough.
        return String.valueOf(e.getMessage()).replace("option option ", "option ");
    }

    /** The user-facing error in a cause chain, if any (Spark wraps exceptions thrown in jobs). */
    private static MeterlakeException find(Throwable e) {
        for (Throwable cause = e; cause != null; cause = cause.getCause()) {
            if (cause instanceof MeterlakeException known) {
                return known;
            }
        }
        return null;
    }

    private static final java.util.regex.Pattern WRITING_TO =
            java.util.regex.Pattern.compile("writing rows to (\\S+?)\\.?(\\s|$)");

    /**
     * The one line for a write that found its disk full, naming where it wrote (Spark names the
     * table in the task failure), or null when {@code e} is not that.
     */
    static String diskFull(Throwable e) {
        boolean full = false;
        String path = null;
        for (Throwable cause = e; cause != null; cause = cause.getCause()) {
            String message = String.valueOf(cause.getMessage());
            full |= message.contains("No space left on device");
            java.util.regex.Matcher writing = WRITING_TO.matcher(message);
            if (path == null && writing.find()) {
                path = writing.group(1);
            }
        }
        if (!full) {
            return null;
        }
        return "No space left on device" + (path == null ? "" : " while writing " + path)
                + ": free space there and run the same command again (what committed stays; the repeat completes"
                + " the rest, exactly once)";
    }

    private static String firstLine(Throwable e) {
        String text = e.toString();
        int newline = text.indexOf('\n');
        return newline < 0 ? text : text.substring(0, newline);
    }
}
