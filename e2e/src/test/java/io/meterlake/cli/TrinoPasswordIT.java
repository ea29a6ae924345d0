package io.meterlake.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import at.favre.lib.crypto.bcrypt.BCrypt;
import io.meterlake.access.TenantSqlGateway;
import io.meterlake.access.TrinoAccessRules;
import io.meterlake.stack.FreePorts;
import io.meterlake.stack.LocalTrino;
import java.net.URI;
import java.net.http.HttpClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Password authentication over HTTPS in front of the local Trino, as production should run it: a
 * right password gets in, a wrong one does not, and a client merely claiming a user name over plain
 * HTTP is refused. Tenant users have no password: the tenant front door logs in as its own user,
 * which may act as tenant users only.
 */
class TrinoPasswordIT {
    private static final String KEYSTORE_PASSWORD = "meterlake-test";

    @TempDir
    Path dir;

    @Test
    void onlyTheRightPasswordOverHttpsGetsIn() throws Exception {
        Path keystore = dir.resolve("trino.p12");
        Process keytool = new ProcessBuilder(
                        Path.of(System.getProperty("java.home"), "bin", "keytool")
                                .toString(),
                        "-genkeypair",
                        "-alias",
                        "trino",
                        "-keyalg",
                        "RSA",
                        "-keysize",
                        "2048",
                        "-dname",
                        "CN=127.0.0.1",
                        "-ext",
                        "SAN=ip:127.0.0.1",
                        "-validity",
                        "7",
                        "-storetype",
                        "PKCS12",
                        "-keystore",
                        keystore.toString(),
                        "-storepass",
                        KEYSTORE_PASSWORD,
                        "-keypass",
                        KEYSTORE_PASSWORD)
                .inheritIO()
                .start();
        assertThat(keytool.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(keytool.exitValue()).isZero();
        Path passwords = Files.writeString(
                dir.resolve("password.db"),
                "finance:"
                        + BCrypt.with(BCrypt.Version.VERSION_2Y).hashToString(10, "s3cret-finance".toCharArray()) + "\n"
                        + TrinoAccessRules.TENANT_GATEWAY + ":"
                        + BCrypt.with(BCrypt.Version.VERSION_2Y).hashToString(10, "s3cret-door".toCharArray()) + "\n");
        int httpsPort = FreePorts.next();
        LocalTrino trino = new LocalTrino(
                        dir.resolve("stack"),
                        Path.of("..", "services", "trino", "target", "trino-server-476")
                                .toAbsolutePath(),
                        Path.of("..", "conf", "trino").toAbsolutePath(),
                        FreePorts.next())
                .withPasswordAuthentication(new LocalTrino.PasswordAuthentication(
                        httpsPort, keystore, KEYSTORE_PASSWORD, passwords, "meterlake-test-secret-0123456789"));
        try {
            assertThat(trino.start(dir.resolve("warehouse").toString())).isTrue();
            String https = "jdbc:trino://127.0.0.1:" + httpsPort + "/meterlake?SSL=true&SSLTrustStorePath=" + keystore
                    + "&SSLTrustStorePassword=" + KEYSTORE_PASSWORD;

            assertThat(firstValue(https, "finance", "s3cret-finance", "SELECT 'in'"))
                    .isEqualTo("in");
            assertThatThrownBy(() -> firstValue(https, "finance", "wrong", "SELECT 'in'"))
                    .isInstanceOf(SQLException.class)
                    .hasMessageContaining("Invalid credentials");
            // Plain HTTP: a claimed user name is no longer enough.
            assertThatThrownBy(() -> trino.connect("finance").createStatement().executeQuery("SELECT 1"))
                    .isInstanceOf(SQLException.class)
                    .hasMessageContaining("Authentication over HTTP is not enabled");

            // Tenants have no Trino password: the front door logs in as its own user and acts as them.
            assertThatThrownBy(() -> firstValue(https, "tenant_tenant-002", "s3cret-door", "SELECT 1"))
                    .isInstanceOf(SQLException.class)
                    .hasMessageContaining("Invalid credentials");
            assertThatThrownBy(() -> firstValue(
                            https + "&sessionUser=finance", TrinoAccessRules.TENANT_GATEWAY, "s3cret-door", "SELECT 1"))
                    .hasMessageContaining("cannot impersonate user finance");
            try (TenantSqlGateway door = TenantSqlGateway.start(
                    FreePorts.next(),
                    URI.create("https://127.0.0.1:" + httpsPort),
                    HttpClient.newBuilder().sslContext(trusting(keystore)).build(),
                    Optional.of(new TenantSqlGateway.TrinoLogin(TrinoAccessRules.TENANT_GATEWAY, "s3cret-door")))) {
                String url = "jdbc:trino://127.0.0.1:" + door.port() + "/meterlake";
                assertThat(firstValue(url, "tenant_tenant-002", null, "SELECT current_user"))
                        .isEqualTo("tenant_tenant-002");
                assertThatThrownBy(
                                () -> firstValue(url, "tenant_tenant-002", null, "EXPLAIN ANALYZE SELECT current_user"))
                        .hasMessageContaining("not EXPLAIN ANALYZE");
                assertThatThrownBy(() -> firstValue(url, "finance", null, "SELECT 1"))
                        .hasMessageContaining("serves tenant users (tenant_<tenant_id>) only");
            }
        } finally {
            trino.stop();
        }
    }

    /** TLS trusting the server's own certificate in {@code keystore}. */
    private static SSLContext trusting(Path keystore) throws Exception {
        KeyStore store = KeyStore.getInstance("PKCS12");
        try (var in = Files.newInputStream(keystore)) {
            store.load(in, KEYSTORE_PASSWORD.toCharArray());
        }
        TrustManagerFactory trust = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        trust.init(store);
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(null, trust.getTrustManagers(), null);
        return context;
    }

    /** The first column of the first row, retrying while the node announces itself. */
    private static String firstValue(String url, String user, String password, String sql) throws SQLException {
        Properties properties = new Properties();
        properties.setProperty("user", user);
        if (password != null) {
            properties.setProperty("password", password);
        }
        Instant deadline = Instant.now().plus(Duration.ofSeconds(60));
        while (true) {
            try (Connection connection = DriverManager.getConnection(url, properties);
                    Statement statement = connection.createStatement();
                    ResultSet rows = statement.executeQuery(sql)) {
                rows.next();
                return rows.getString(1);
            } catch (SQLException e) {
                if (!String.valueOf(e.getMessage()).contains("No nodes available")
                        || Instant.now().isAfter(deadline)) {
                    throw e;
                }
            }
        }
    }
}
