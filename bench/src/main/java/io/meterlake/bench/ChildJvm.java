package io.meterlake.bench;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** A benchmark's helper JVM (a writer, the server, the clients): this JVM's java and class path, its own main. */
final class ChildJvm {
    private ChildJvm() {}

    /** The command line that runs {@code main} with {@code args}, given these JVM {@code flags}. */
    static List<String> command(List<String> flags, Class<?> main, String... args) {
        List<String> argv = new ArrayList<>();
        argv.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        argv.addAll(flags);
        argv.add("-cp");
        argv.add(System.getProperty("java.class.path"));
        argv.add(main.getName());
        argv.addAll(List.of(args));
        return argv;
    }
}
