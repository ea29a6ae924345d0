package io.meterlake.cli.options;

import io.meterlake.config.ConfigKeys;
import io.meterlake.config.ConfigLoader;
import io.meterlake.config.MeterlakeConfig;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Option;

/**
 * The configuration options every Meterlake entry point takes ({@code --warehouse},
 * {@code --conf-file}, {@code --set}), as a picocli mixin. {@link #resolve} applies them over the
 * defaults with the precedence documented in {@link ConfigKeys}.
 */
public final class ConfigOptions {
    @Option(
            names = "--warehouse",
            paramLabel = "<dir | s3a://bucket/path>",
            description = "Root of the Delta tables (default: the 'warehouse' setting, ./warehouse).")
    String warehouse;

    @Option(
            names = "--conf-file",
            paramLabel = "<file>",
            description = "A properties file of settings; repeatable, later files win.")
    List<Path> confFiles = new ArrayList<>();

    @Option(
            names = "--set",
            paramLabel = "key=value",
            description = "One setting, overriding files; repeatable. Keys: see conf/meterlake.properties.")
    Map<String, String> settings = new LinkedHashMap<>();

    /** The {@code --warehouse} given on the command line, or null. */
    public String warehouse() {
        return warehouse;
    }

    /** These options, with {@code more} (given later on the command line) taking precedence. */
    public ConfigOptions andThen(ConfigOptions more) {
        ConfigOptions merged = new ConfigOptions();
        merged.warehouse = more.warehouse != null ? more.warehouse : warehouse;
        merged.confFiles.addAll(confFiles);
        merged.confFiles.addAll(more.confFiles);
        merged.settings.putAll(settings);
        merged.settings.putAll(more.settings);
        return merged;
    }

    /** These options as command-line arguments (files as absolute paths), for a child process. */
    public List<String> toArgs() {
        List<String> args = new ArrayList<>();
        if (warehouse != null) {
            args.add("--warehouse");
            args.add(warehouse);
        }
        for (Path file : confFiles) {
            args.add("--conf-file");
            args.add(file.toAbsolutePath().toString());
        }
        settings.forEach((key, value) -> {
            args.add("--set");
            args.add(key + "=" + value);
        });
        return args;
    }

    public MeterlakeConfig resolve() {
        Map<String, String> overrides = new LinkedHashMap<>(settings);
        if (warehouse != null) {
            overrides.put(ConfigKeys.WAREHOUSE, warehouse);
        }
        return ConfigLoader.load(confFiles, overrides);
    }
}
