package io.meterlake.access;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;

/**
 * A Trino server the warehouse is registered with: its JDBC address, a connection as a user, and the file of
 * its access rules. The local stack's Trino is one; the names below are those the rules and views use.
 */
public interface TrinoServer {
    /** The Delta Lake catalog of the warehouse. */
    String CATALOG = "meterlake";
    /** The schema the tables and views are registered in. */
    String SCHEMA = "billing";
    /** The user that registers tables and views; the access rules let only it write. */
    String ADMIN = "admin";

    String jdbcUrl();

    Connection connect(String user) throws SQLException;

    /** The file-based access control's rules ({@link TrinoAccessRules}), which the server reloads. */
    Path rulesFile();
}
