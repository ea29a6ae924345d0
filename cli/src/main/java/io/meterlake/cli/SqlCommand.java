package io.meterlake.cli;

import io.meterlake.error.ExitCodes;
import io.meterlake.error.MeterlakeException;
import io.meterlake.output.Output;
import io.meterlake.stack.LocalTrino;
import io.meterlake.stack.TrinoAccessRules;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/** {@code meterlake sql}: one query through Trino's JDBC driver, the way finance reads the tables. */
@Command(name = "sql", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Run one SQL query on the local Trino (catalog meterlake, schema billing) and print the rows.",
            "Users: finance reads everything in billing; tenant_<tenant_id> only its own rows; admin writes."})
final class SqlCommand implements Callable<Integer> {
    enum Format { table, json, csv }

    @ParentCommand
    MeterlakeCommand root;

    @Parameters(index = "0", paramLabel = "<query>", description = "The query, e.g. \"select * from current_periods\".")
    String query;

    @Option(names = "--user", defaultValue = TrinoAccessRules.FINANCE, paramLabel = "<user>",
            description = "Who asks (default: ${DEFAULT-VALUE}).")
    String user;

    @Option(names = "--format", defaultValue = "table", paramLabel = "table|json|csv",
            description = "Output format: ${COMPLETION-CANDIDATES} (default: ${DEFAULT-VALUE}).")
    Format format;

    @Override
    public Integer call() {
        LocalTrino trino = StackCommand.trino(root.config());
        if (trino.process().isEmpty()) {
            throw MeterlakeException.badInput("Trino is not running on 127.0.0.1:" + trino.port(),
                    "start it with 'meterlake stack start --with-trino'");
        }
        List<String> header = new ArrayList<>();
        List<List<String>> rows = new ArrayList<>();
        try (Connection connection = trino.connect(user); Statement statement = connection.createStatement();
             ResultSet result = statement.executeQuery(query)) {
            ResultSetMetaData meta = result.getMetaData();
            for (int i = 1; i <= meta.getColumnCount(); i++) {
                header.add(meta.getColumnLabel(i));
            }
            while (result.next()) {
                List<String> row = new ArrayList<>();
                for (int i = 1; i <= meta.getColumnCount(); i++) {
                    row.add(text(result.getObject(i)));
                }
                rows.add(row);
            }
        } catch (SQLException e) {
            throw MeterlakeException.checkFailed("the query failed for user " + user + ": " + firstLine(e.getMessage()));
        }
        switch (format) {
            case json -> {
                List<Map<String, String>> objects = new ArrayList<>();
                for (List<String> row : rows) {
                    Map<String, String> object = new LinkedHashMap<>();
                    for (int i = 0; i < header.size(); i++) {
                        object.put(header.get(i), row.get(i));
                    }
                    objects.add(object);
                }
                Output.json(root.out(), objects);
            }
            case csv -> Output.csv(root.out(), header, rows);
            default -> {
                Output.table(root.out(), header, rows);
                root.out().println("(" + rows.size() + (rows.size() == 1 ? " row)" : " rows)"));
                root.out().flush();
            }
        }
        return ExitCodes.OK;
    }

    /** Exact text: decimals in plain notation, nulls as empty. */
    private static String text(Object value) {
        if (value == null) {
            return "";
        }
        return value instanceof BigDecimal decimal ? decimal.toPlainString() : value.toString();
    }

    private static String firstLine(String message) {
        String text = message == null ? "" : message;
        int newline = text.indexOf('\n');
        return newline < 0 ? text : text.substring(0, newline);
    }
}
