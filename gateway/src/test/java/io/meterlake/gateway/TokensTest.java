package io.meterlake.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.meterlake.error.ExitCodes;
import io.meterlake.error.MeterlakeException;
import io.meterlake.signing.PrivateFiles;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TokensTest {
    private static final String TOKEN = "a-token-only-its-service-knows";

    @TempDir
    Path dir;

    /** The file names every token and its sources: refused, as a signing key, when its group or others may read it. */
    @Test
    void aTokensFileOthersMayAccessIsRefusedWithTheFix() throws Exception {
        Path file = dir.resolve("gateway-tokens");
        PrivateFiles.write(file, "svc " + Tokens.sha256(TOKEN) + " forge-functions\n");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file)))
                .isEqualTo("rw-------");
        assertThat(Tokens.read(file).authenticate(TOKEN)).isPresent();

        for (String mode : new String[] {"rw-r--r--", "rw-r-----", "rw-----w-", "rw----r--"}) {
            Files.setPosixFilePermissions(file, PosixFilePermissions.fromString(mode));
            assertThatThrownBy(() -> Tokens.read(file))
                    .as(mode)
                    .isInstanceOfSatisfying(
                            MeterlakeException.class,
                            e -> assertThat(e.exitCode()).isEqualTo(ExitCodes.USAGE))
                    .hasMessageContaining("accessible by group or others (mode " + mode + ")")
                    .hasMessageContaining("chmod 600 " + file)
                    .hasMessageNotContaining(Tokens.sha256(TOKEN));
        }
    }

    /** Tokens made by 'gateway tokens add' authenticate; a revoked one does not; the file stays owner-only. */
    @Test
    void tokensAreAddedShownOnceAndRevoked() throws Exception {
        Path file = dir.resolve("new").resolve("gateway-tokens");
        String first = TokensFile.add(file, "billing", java.util.List.of("forge-functions", "forge-kvs"));
        String second = TokensFile.add(file, "exporter", java.util.List.of("billing-export"));
        assertThat(first).matches("[0-9a-f]{64}").isNotEqualTo(second);
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file)))
                .isEqualTo("rw-------");
        assertThat(Files.readString(file)).doesNotContain(first, second).contains(Tokens.sha256(first));
        Tokens tokens = Tokens.read(file);
        assertThat(tokens.authenticate(first).orElseThrow().sources())
                .containsExactlyInAnyOrder("forge-functions", "forge-kvs");
        assertThat(tokens.all()).extracting(Tokens.Token::name).containsExactly("billing", "exporter");

        assertThatThrownBy(() -> TokensFile.add(file, "billing", java.util.List.of("x")))
                .hasMessageContaining("there is a token named 'billing'")
                .hasMessageContaining("gateway tokens revoke billing");
        assertThatThrownBy(() -> TokensFile.add(file, "has space", java.util.List.of("x")))
                .hasMessageContaining("is not a token name");
        assertThatThrownBy(() -> TokensFile.add(file, "ok", java.util.List.of("a,b")))
                .hasMessageContaining("without spaces, commas or '#'");

        TokensFile.revoke(file, "billing");
        assertThat(Tokens.read(file).authenticate(first)).isEmpty();
        assertThat(Tokens.read(file).authenticate(second)).isPresent();
        assertThatThrownBy(() -> TokensFile.revoke(file, "billing"))
                .hasMessage("there is no token named 'billing' in " + file + ": its tokens are exporter");
        // Every token revoked: a file the gateway reloads as "nobody", and refuses to start on.
        TokensFile.revoke(file, "exporter");
        assertThat(Tokens.read(file, true).size()).isZero();
        assertThatThrownBy(() -> Tokens.read(file)).hasMessageContaining("it holds no token");
    }

    /** A running gateway's tokens follow the file: added, revoked, and kept when the file breaks. */
    @Test
    void theGatewaysTokensFollowTheFile() throws Exception {
        Path file = dir.resolve("gateway-tokens");
        String first = TokensFile.add(file, "billing", java.util.List.of("forge-functions"));
        java.io.StringWriter log = new java.io.StringWriter();
        try (TokensReloader reloader =
                new TokensReloader(file, Tokens.read(file), "tokens", new java.io.PrintWriter(log, true))) {
            String second = TokensFile.add(file, "exporter", java.util.List.of("billing-export"));
            org.awaitility.Awaitility.await()
                    .atMost(java.time.Duration.ofSeconds(30))
                    .until(() -> reloader.current().authenticate(second).isPresent());
            TokensFile.revoke(file, "billing");
            org.awaitility.Awaitility.await()
                    .atMost(java.time.Duration.ofSeconds(30))
                    .until(() -> reloader.current().authenticate(first).isEmpty());
            Files.writeString(file, "broken line\n");
            org.awaitility.Awaitility.await()
                    .atMost(java.time.Duration.ofSeconds(30))
                    .until(() -> log.toString().contains("cannot be used, keeping the 1 token of before"));
            assertThat(reloader.current().authenticate(second)).isPresent();
            assertThat(log.toString()).contains("tokens reloaded from " + file).doesNotContain(first, second);
        }
    }
}
