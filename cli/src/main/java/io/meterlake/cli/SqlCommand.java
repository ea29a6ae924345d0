package io.meterlake.cli;

import io.meterlake.access.TenantSqlGateway;
import io.meterlake.access.TrinoAccessRules;
import io.meterlake.access.TrinoRegistry;
import io.meterlake.cli.options.CliErrors;
import io.meterlake.cli.options.ConfigOptions;
import io.meterlake.cli.options.FormatOption;
import io.meterlake.error.ExitCodes;
import io.meterlake.output.Output;
import io.meterlake.stack.LocalTenantGateway;
import io.meterlake.stack.LocalTrino;
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
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code meterlake trino sql}: one query through Trino's JDBC driver, the way finance reads the tables. */
@Command(
        name = "sql",
        mixinStandardHelpOptions = true,
        sortOptions = false,
        description = {
            "Run one SQL query on the local Trino (catalog meterlake, schema billing) and print the rows.",
            "Users: finance reads everything in billing; tenant_<tenant_id> only its own rows; admin writes.",
            "Tenant users go through the tenant front door (stack.tenant-sql-port), which runs plain queries only.",
            "--format json: an array of objects; integers, floating-point numbers and booleans as JSON values,",
            "decimals as exact strings (plain notation, scale kept), times and text as strings, null as null.",
            "Trino answers from the warehouse 'trino register' registered last; a --warehouse naming another is refused."
        })
final class SqlCommand implements Callable<Integer> {
    /** The root command, wherever this one sits (under {@code events}/{@code trino}, or its old top-level alias). */
    MeterlakeCommand root;

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Mixin
    ConfigOptions options;

    @Parameters(index = "0", paramLabel = "<query>", description = "The query, e.g. \"select * from current_periods\".")
    String query;

    @Option(
            names = "--user",
            defaultValue = TrinoAccessRules.FINANCE,
            paramLabel = "<user>",
            description = "Who asks (default: ${DEFAULT-VALUE}).")
    String user;

    @Mixin
    FormatOption.WithCsv output;

    @Override
    public Integer call() {
        root = MeterlakeCommand.of(spec);
        LocalTrino trino = StackCommand.trino(root.config());
        String asked = root.options().warehouse();
        if (asked != null) {
            // Trino answers from the warehouse it has registered: never another one's rows under this name.
            String wanted = TrinoRegistry.root(asked);
            String served = TrinoRegistry.registered(trino).orElse("no warehouse");
            if (!served.equals(wanted)) {
                throw CliErrors.otherWarehouseRegistered(served, wanted, asked);
            }
        }
        if (trino.process().isEmpty()) {
            throw CliErrors.trinoNotRunning(trino.port());
        }
        // Tenant users come through their front door, which runs plain queries only.
        boolean tenant = TenantSqlGateway.isTenant(user);
        LocalTenantGateway gateway = StackCommand.tenantGateway(root.config());
        if (tenant && gateway.process().isEmpty()) {
            throw CliErrors.tenantDoorNotRunning(gateway.port());
        }
        int port = tenant ? gateway.port() : trino.port();
        List<String> header = new ArrayList<>();
        List<List<Object>> values = new ArrayList<>();
        try (Connection connection = tenant ? gateway.connect(user) : trino.connect(user);
                Statement statement = connection.createStatement();
                ResultSet result = statement.executeQuery(query)) {
            ResultSetMetaData meta = result.getMetaData();
            for (int i = 1; i <= meta.getColumnCount(); i++) {
                header.add(meta.getColumnLabel(i));
            }
            while (result.next()) {
                List<Object> row = new ArrayList<>();
                for (int i = 1; i <= meta.getColumnCount(); i++) {
                    row.add(result.getObject(i));
                }
                values.add(row);
            }
        } catch (SQLException | RuntimeException e) {
            if (reachable(e)) {
                throw CliErrors.queryFailed(user, firstLine(e.getMessage()));
            }
            throw CliErrors.trinoUnreachable(
                    tenant ? "the tenant front door" : "Trino",
                    port,
                    firstLine(String.valueOf(rootCause(e).getMessage())));
        }
        List<List<String>> rows = values.stream()
                .map(row -> row.stream().map(SqlCommand::text).toList())
                .toList();
        switch (output.format()) {
            case json -> {
                List<Map<String, Object>> objects = new ArrayList<>();
                for (List<Object> row : values) {
                    Map<String, Object> object = new LinkedHashMap<>();
                    for (int i = 0; i < header.size(); i++) {
                        object.put(header.get(i), json(row.get(i)));
                    }
                    objects.add(object);
                }
                Output.json(root.out(), objects);
            }
            case csv -> Output.csv(root.out(), header, rows);
            default -> {
                Output.table(root.out(), header, rows);
                root.out().println("(" + Output.count(rows.size(), "row") + ")");
                root.out().flush();
            }
        }
        return ExitCodes.OK;
    }

    /**
     * A value for {@code --format json}: integers, floating-point numbers and booleans as JSON numbers
     * and booleans; decimals as exact strings in plain notation (their scale kept, as {@code periods show}
     * renders quantities); everything else (times, text) as its text; null as null.
     */
    private static Object json(Object value) {
        if (value == null
                || value instanceof Boolean
                || value instanceof Byte
                || value instanceof Short
                || value instanceof Integer
                || value instanceof Long
                || value instanceof Float
                || value instanceof Double) {
            return value;
        }
        return text(value);
    }

    /** False when the failure is that no connection to Trino could be made. */
    private static boolean reachable(Throwable e) {
        for (Throwable cause = e; cause != null; cause = cause.getCause()) {
            if (cause instanceof java.net.ConnectException
                    || cause instanceof java.net.NoRouteToHostException
                    || cause instanceof java.net.UnknownHostException) {
                return false;
            }
        }
        return true;
    }

    private static Throwable rootCause(Throwable e) {
        Throwable root = e;
        while (root.getCause() != null) {
            root = root.getCause();
        }
        return root;
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
