package io.meterlake.cli;

import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Options that come before the command and apply to all of them. */
public final class GlobalOptions {
    @Option(names = "--warehouse", paramLabel = "<dir | s3a://bucket/path>",
            description = "Root of the Delta tables (default: the 'warehouse' setting, ./warehouse).")
    String warehouse;

    @Option(names = "--conf-file", paramLabel = "<file>",
            description = "A properties file of settings; repeatable, later files win.")
    List<Path> confFiles = new ArrayList<>();

    @Option(names = "--set", paramLabel = "key=value",
            description = "One setting, overriding files; repeatable. Keys: see conf/meterlake.properties.")
    Map<String, String> settings = new LinkedHashMap<>();
}
