package io.meterlake.error;

/**
 * A problem the user can fix: bad configuration, a bad input file, a bad argument.
 *
 * <p>The message says what happened and how to fix it, in one line; the CLI prints it as is and
 * exits with {@link ExitCodes#USAGE}, never with a stack trace. Construct through the factory
 * methods so messages stay uniform.
 */
public class MeterlakeException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final int exitCode;

    protected MeterlakeException(String message, int exitCode, Throwable cause) {
        super(message, cause);
        this.exitCode = exitCode;
    }

    public int exitCode() {
        return exitCode;
    }

    /** Bad input: {@code problem} says what is wrong, {@code fix} what to do about it. */
    public static MeterlakeException badInput(String problem, String fix) {
        return new MeterlakeException(problem + ": " + fix, ExitCodes.USAGE, null);
    }

    public static MeterlakeException badInput(String problem, String fix, Throwable cause) {
        return new MeterlakeException(problem + ": " + fix, ExitCodes.USAGE, cause);
    }

    public static MeterlakeException missingFile(String what, String path) {
        return badInput(what + " '" + path + "' does not exist or is not a readable file", "check the path");
    }

    /** Not ready yet (exit 75): {@code waitingFor} says what must happen first; retry later. */
    public static MeterlakeException notReady(String waitingFor) {
        return new MeterlakeException("not ready: " + waitingFor, ExitCodes.NOT_READY, null);
    }

    /** Someone else is doing this right now (exit 75): {@code message} names who; retry later. */
    public static MeterlakeException busy(String message) {
        return new MeterlakeException(message, ExitCodes.NOT_READY, null);
    }

    /** A service the command needs cannot be reached (exit 75): {@code fix} says how to start or find it; retry later. */
    public static MeterlakeException unavailable(String problem, String fix) {
        return new MeterlakeException(problem + ": " + fix, ExitCodes.NOT_READY, null);
    }

    /** The job ran but a check it performs failed (exit 1). */
    public static MeterlakeException checkFailed(String message) {
        return new MeterlakeException(message, ExitCodes.FAILED, null);
    }
}
