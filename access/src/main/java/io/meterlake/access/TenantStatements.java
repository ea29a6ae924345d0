package io.meterlake.access;

import java.util.Locale;
import java.util.Optional;
import java.util.Set;

/**
 * Which statements a tenant user may run: plain queries only.
 *
 * <p>Row filters and column masks hold for the rows a query returns, but not for what Trino reports
 * about running it: {@code EXPLAIN ANALYZE} prints each operator's input row count over every row it
 * read, and {@code SHOW STATS}, {@code EXPLAIN} and {@code DESCRIBE} show figures over the whole table.
 * Trino's resource groups see {@code EXPLAIN ANALYZE} as the query it wraps, so the tenant front door
 * ({@link TenantSqlGateway}) decides by the statement's text, with Trino's own lexical rules: after
 * whitespace ({@code [ \t\r\n]}) and comments ({@code -- ...} to a CR or LF, {@code /* ... *}{@code /}),
 * the statement must begin with {@code SELECT}, {@code WITH}, {@code VALUES}, {@code TABLE} or an
 * opening parenthesis (which, in Trino's grammar, begin a query and nothing else), {@code WITH} not
 * followed by {@code SESSION} or {@code FUNCTION}. Anything else is refused, including characters
 * Trino's lexer would not accept there, so a text this class admits is a query to Trino too.
 */
public final class TenantStatements {
    private static final Set<String> QUERY_STARTS = Set.of("SELECT", "WITH", "VALUES", "TABLE");
    /** {@code WITH SESSION} sets session properties; {@code WITH FUNCTION} defines routines: not a plain query. */
    private static final Set<String> NOT_AFTER_WITH = Set.of("SESSION", "FUNCTION");
    /** Characters that may follow a keyword at the start of a query (anything else is refused). */
    private static final String AFTER_KEYWORD = " \t\r\n(*\"'-/";

    private TenantStatements() {}

    /** Why {@code sql} is refused to a tenant user, or empty when it is a plain query. */
    public static Optional<String> refusal(String sql) {
        int start = skipIgnored(sql, 0);
        if (start < 0) {
            return Optional.of(refused("an unterminated comment"));
        }
        return check(sql, start, 0);
    }

    private static Optional<String> check(String sql, int at, int depth) {
        if (at >= sql.length()) {
            return Optional.of(refused("an empty statement"));
        }
        if (sql.charAt(at) == '(') {
            if (depth > 100) {
                return Optional.of(refused("a statement nested in over 100 parentheses"));
            }
            int next = skipIgnored(sql, at + 1);
            return next < 0 ? Optional.of(refused("an unterminated comment")) : check(sql, next, depth + 1);
        }
        String word = word(sql, at);
        if (!QUERY_STARTS.contains(word)
                || at + word.length() >= sql.length()
                || AFTER_KEYWORD.indexOf(sql.charAt(at + word.length())) < 0) {
            return Optional.of(refused(describe(sql, at)));
        }
        if (word.equals("WITH")) {
            int next = skipIgnored(sql, at + word.length());
            if (next < 0) {
                return Optional.of(refused("an unterminated comment"));
            }
            String following = word(sql, next);
            if (NOT_AFTER_WITH.contains(following)) {
                return Optional.of(refused("WITH " + following));
            }
        }
        return Optional.empty();
    }

    private static String refused(String what) {
        return "Access Denied: a tenant user runs plain queries only (SELECT, WITH, VALUES, TABLE), not " + what
                + ": plans, statistics and EXPLAIN ANALYZE figures are computed over every tenant's rows";
    }

    /** The statement's first word(s), to name what was refused. */
    private static String describe(String sql, int at) {
        String word = word(sql, at);
        if (word.isEmpty()) {
            int codePoint = sql.codePointAt(at);
            return String.format(Locale.ROOT, "a statement beginning with U+%04X", codePoint);
        }
        if (word.equals("EXPLAIN") || word.equals("SHOW") || word.equals("EXECUTE")) {
            int next = skipIgnored(sql, at + word.length());
            String second = next < 0 ? "" : word(sql, next);
            if (!second.isEmpty() && !(word.equals("EXPLAIN") && !second.equals("ANALYZE"))) {
                return word + " " + second;
            }
        }
        return word;
    }

    /** The ASCII letters at {@code at}, upper-cased (empty when none). */
    private static String word(String sql, int at) {
        int end = at;
        while (end < sql.length() && isAsciiLetter(sql.charAt(end))) {
            end++;
        }
        return sql.substring(at, end).toUpperCase(Locale.ROOT);
    }

    private static boolean isAsciiLetter(char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
    }

    /**
     * The index after whitespace and comments from {@code at} (Trino's hidden tokens), or -1 when a
     * bracketed comment is not closed.
     */
    private static int skipIgnored(String sql, int at) {
        int i = at;
        while (i < sql.length()) {
            char c = sql.charAt(i);
            if (c == ' ' || c == '\t' || c == '\r' || c == '\n') {
                i++;
            } else if (sql.startsWith("--", i)) {
                int end = i + 2; // Trino ends a line comment at CR or LF
                while (end < sql.length() && sql.charAt(end) != '\r' && sql.charAt(end) != '\n') {
                    end++;
                }
                i = end;
            } else if (sql.startsWith("/*", i)) {
                int end = sql.indexOf("*/", i + 2);
                if (end < 0) {
                    return -1;
                }
                i = end + 2;
            } else {
                return i;
            }
        }
        return i;
    }
}
