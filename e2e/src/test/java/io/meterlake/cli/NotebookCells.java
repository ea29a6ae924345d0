package io.meterlake.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What a notebook of {@code notebooks/} runs: its parameters (the {@code NAME = "value"} lines of the
 * cell tagged {@code parameters}), its {@code %%sql} cells with whether rows are expected, and its
 * {@code !../bin/meterlake ...} command lines.
 */
record NotebookCells(Path file, Map<String, String> parameters, List<SqlCell> sql, List<String> commands) {
    private static final Pattern PARAMETER = Pattern.compile("^([A-Z_]+) = \"([^\"]*)\"$");
    private static final String LAUNCHER = "../bin/meterlake";

    record SqlCell(String id, String sql, boolean expectRows) {}

    static NotebookCells read(Path file) throws IOException {
        JsonNode notebook = new ObjectMapper().readTree(file.toFile());
        Map<String, String> parameters = new LinkedHashMap<>();
        List<SqlCell> sql = new ArrayList<>();
        List<String> commands = new ArrayList<>();
        for (JsonNode cell : notebook.get("cells")) {
            if (!cell.get("cell_type").textValue().equals("code")) {
                continue;
            }
            StringBuilder source = new StringBuilder();
            cell.get("source").forEach(line -> source.append(line.textValue()));
            String text = source.toString();
            if (text.startsWith("%%sql")) {
                JsonNode expect = cell.path("metadata").path("meterlake").path("expect_rows");
                sql.add(new SqlCell(
                        cell.get("id").textValue(),
                        text.substring(text.indexOf('\n') + 1).trim(),
                        expect.asBoolean(false)));
                continue;
            }
            for (String line : text.split("\n")) {
                Matcher parameter = PARAMETER.matcher(line.trim());
                if (parameter.matches()) {
                    parameters.put(parameter.group(1), parameter.group(2));
                } else if (line.startsWith("!" + LAUNCHER + " ")) {
                    commands.add(line.substring(LAUNCHER.length() + 2).trim());
                }
            }
        }
        return new NotebookCells(file, parameters, sql, commands);
    }

    /** A command line's arguments after {@code bin/meterlake}, with {@code $NAME} replaced from {@code values}. */
    static List<String> arguments(String command, Map<String, String> values) {
        List<String> arguments = new ArrayList<>();
        for (String word : command.split("\\s+")) {
            String argument = word;
            for (Map.Entry<String, String> value : values.entrySet()) {
                argument = argument.replace("$" + value.getKey(), value.getValue());
            }
            arguments.add(argument);
        }
        return arguments;
    }
}
