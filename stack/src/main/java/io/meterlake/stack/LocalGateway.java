package io.meterlake.stack;

import io.meterlake.config.MeterlakeConfig;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The local stack's HTTP ingestion gateway ({@code stack start --with-gateway}) in a JVM of its own, the
 * main class and arguments given by the command that starts it (the gateway command, with its own options);
 * pid file and log under {@code <stack dir>/gateway}.
 */
public final class LocalGateway {
    private final Path dir;
    private final MeterlakeConfig.Gateway settings;

    public LocalGateway(Path stackDir, MeterlakeConfig.Gateway settings) {
        this.dir = stackDir.toAbsolutePath().normalize().resolve("gateway");
        this.settings = settings;
    }

    public String url() {
        return "http://" + settings.host() + ":" + settings.port();
    }

    public Path log() {
        return dir.resolve("gateway.log");
    }

    public Optional<ProcessHandle> process() {
        return pidFile().process();
    }

    private PidFile pidFile() {
        return new PidFile(dir.resolve("gateway.pid"));
    }

    /** Starts the gateway ({@code mainClass args}) unless it runs; returns whether it started it. */
    public boolean start(String mainClass, List<String> args) {
        if (process().isPresent()) {
            return false;
        }
        List<String> jvm = new ArrayList<>(List.of("-Xmx512m"));
        String confDir = System.getProperty("meterlake.conf.dir");
        if (confDir != null) {
            jvm.add("-Dmeterlake.conf.dir=" + confDir);
        }
        String host = settings.host().equals("0.0.0.0") ? "127.0.0.1" : settings.host();
        pidFile().startJvm("the HTTP gateway", log(), host, settings.port(), jvm, mainClass, args);
        return true;
    }

    /** Stops the gateway; returns whether one was running. */
    public boolean stop() {
        return pidFile().stop();
    }
}
