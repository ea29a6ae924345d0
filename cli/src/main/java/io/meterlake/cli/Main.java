package io.meterlake.cli;

import io.meterlake.error.ExitCodes;
import io.meterlake.error.MeterlakeException;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.time.Clock;

/** Entry point of {@code bin/meterlake}. */
public final class Main {
    private Main() {
    }

    public static void main(String[] args) {
        System.exit(createCommandLine(Clock.systemUTC()).execute(args));
    }

    /**
     * The command line, with Meterlake's error handling: a {@link MeterlakeException} prints its one-line
     * message and exits with its code; bad usage prints the problem and where to find help, on one line, and exits 2;
     * anything else prints one line and exits 1 (the stack trace only with {@code METERLAKE_DEBUG=1}).
     */
    public static CommandLine createCommandLine(Clock clock) {
        CommandLine commandLine = new CommandLine(new MeterlakeCommand(clock));
        commandLine.setCaseInsensitiveEnumValuesAllowed(true);
        commandLine.setParameterExceptionHandler((e, args) -> {
            PrintWriter err = e.getCommandLine().getErr();
            err.println("meterlake: " + e.getMessage() + " (see '"
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
            err.println("meterlake: unexpected error: " + e + " (set METERLAKE_DEBUG=1 to see the stack trace)");
            if (System.getenv("METERLAKE_DEBUG") != null) {
                e.printStackTrace(err);
            }
            err.flush();
            return ExitCodes.FAILED;
        });
        return commandLine;
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
}
