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
}
