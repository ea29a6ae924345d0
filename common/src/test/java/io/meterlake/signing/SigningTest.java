package io.meterlake.signing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.meterlake.error.MeterlakeException;
import io.meterlake.model.BillingLine;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.KeyPair;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SigningTest {
    private static final List<BillingLine> LINES = List.of(
            new BillingLine("sub-2", "acct-1", "standard", "storage.stored", "GB", new BigDecimal("1.5"), 3),
            new BillingLine("sub-1", "acct-1", "standard", "functions.invocations", "count", new BigDecimal("12"), 12),
            new BillingLine("sub-1", "acct-1", "premium", "functions.invocations", "count", new BigDecimal("3"), 2));

    @Test
    void rendersAStableDocumentedForm() {
        String text = new String(CanonicalRendering.render("2026-10", LINES), StandardCharsets.UTF_8);

        assertThat(text).isEqualTo("""
                meterlake-billing-period v2
                period=2026-10
                sub-1\tacct-1\tpremium\tfunctions.invocations\tcount\t3.000000000\t2
                sub-1\tacct-1\tstandard\tfunctions.invocations\tcount\t12.000000000\t12
                sub-2\tacct-1\tstandard\tstorage.stored\tGB\t1.500000000\t3
                """);
    }

    @Test
    void rendersCorrectionLinesAsV3AfterTheUsageAndLeavesV2AsItWas() {
        List<io.meterlake.model.CorrectionLine> corrections = List.of(
                new io.meterlake.model.CorrectionLine(
                        "2026-10", "sub-1", "acct-1", "standard", "kvs.writes", "count", new BigDecimal("-3"), -1),
                new io.meterlake.model.CorrectionLine(
                        "2026-09", "sub-2", "acct-1", "standard", "storage.stored", "GB", new BigDecimal("0.25"), 1));
        String text = new String(
                CanonicalRendering.render("2026-11", LINES.subList(0, 1), corrections), StandardCharsets.UTF_8);

        assertThat(text).isEqualTo("""
                meterlake-billing-period v3
                period=2026-11
                usage	2026-11	sub-2	acct-1	standard	storage.stored	GB	1.500000000	3
                correction	2026-09	sub-2	acct-1	standard	storage.stored	GB	0.250000000	1
                correction	2026-10	sub-1	acct-1	standard	kvs.writes	count	-3.000000000	-1
                """);
        assertThat(CanonicalRendering.render("2026-10", LINES, List.of()))
                .isEqualTo(CanonicalRendering.render("2026-10", LINES));
    }

    @Test
    void signsAndVerifiesThroughPemFiles(@TempDir Path dir) {
        Signing.writeKeyPair(Signing.generateKeyPair(), dir.resolve("k.pem"), dir.resolve("k.pub.pem"));
        PrivateKey privateKey = Signing.readPrivateKey(dir.resolve("k.pem"));
        PublicKey publicKey = Signing.readPublicKey(dir.resolve("k.pub.pem"));
        byte[] content = CanonicalRendering.render("2026-10", LINES);

        String signature = Signing.sign(privateKey, content);

        assertThat(Signing.verify(publicKey, content, signature)).isTrue();
        assertThat(Signing.verify(publicKey, CanonicalRendering.render("2026-11", LINES), signature))
                .isFalse();
        assertThat(Signing.verify(publicKey, content, "not-base64!")).isFalse();
        assertThat(Signing.keyId(publicKey)).hasSize(16).isEqualTo(Signing.keyId(publicKey));
    }

    @Test
    void aPrivateKeyNamesTheKeyIdOfItsPublicKey(@TempDir Path dir) {
        for (int i = 0; i < 20; i++) {
            KeyPair pair = Signing.generateKeyPair();
            Signing.writeKeyPair(pair, dir.resolve("k.pem"), dir.resolve("k.pub.pem"));

            assertThat(Ed25519PublicKeys.of(Signing.readPrivateKey(dir.resolve("k.pem")))
                            .getEncoded())
                    .isEqualTo(pair.getPublic().getEncoded());
            assertThat(Signing.keyId(pair.getPrivate())).isEqualTo(Signing.keyId(pair.getPublic()));
        }
    }

    @Test
    void anotherKeyDoesNotVerify() {
        KeyPair signer = Signing.generateKeyPair();
        KeyPair other = Signing.generateKeyPair();
        byte[] content = CanonicalRendering.render("2026-10", LINES);

        assertThat(Signing.verify(other.getPublic(), content, Signing.sign(signer.getPrivate(), content)))
                .isFalse();
        assertThat(Signing.keyId(other.getPublic())).isNotEqualTo(Signing.keyId(signer.getPublic()));
    }

    @Test
    void hashesWithSha256() {
        assertThat(Signing.sha256Hex("abc".getBytes(StandardCharsets.UTF_8)))
                .isEqualTo("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    }

    @Test
    void explainsAWrongKeyFile(@TempDir Path dir) throws Exception {
        Path notAKey = Files.writeString(dir.resolve("x.pem"), "hello");

        assertThatThrownBy(() -> Signing.readPrivateKey(notAKey))
                .isInstanceOf(MeterlakeException.class)
                .hasMessageContaining("holds no PEM block 'PRIVATE KEY'");
        assertThatThrownBy(() -> Signing.readPublicKey(dir.resolve("missing.pem")))
                .isInstanceOf(MeterlakeException.class)
                .hasMessageContaining("does not exist");
    }

    @Test
    void writesThePrivateKeyOwnerOnlyAndRefusesOneOthersCanRead(@TempDir Path dir) throws Exception {
        Path privateKey = dir.resolve("k.pem");
        Path publicKey = dir.resolve("k.pub.pem");
        Signing.writeKeyPair(Signing.generateKeyPair(), privateKey, publicKey);

        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(privateKey)))
                .isEqualTo("rw-------");
        assertThat(Files.getPosixFilePermissions(publicKey)).contains(PosixFilePermission.OTHERS_READ);
        assertThat(Signing.readPrivateKey(privateKey)).isNotNull();

        for (String mode : new String[] {"rw-r--r--", "rw-r-----", "rw----r--", "rw--w----"}) {
            Files.setPosixFilePermissions(privateKey, PosixFilePermissions.fromString(mode));
            assertThatThrownBy(() -> Signing.readPrivateKey(privateKey))
                    .as(mode)
                    .isInstanceOfSatisfying(
                            MeterlakeException.class,
                            e -> assertThat(e.exitCode()).isEqualTo(2))
                    .hasMessageContaining("is accessible by group or others (mode " + mode + ")")
                    .hasMessageContaining("chmod 600 " + privateKey);
        }

        // Rewriting an existing key file makes it owner-only again.
        Signing.writeKeyPair(Signing.generateKeyPair(), privateKey, publicKey);
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(privateKey)))
                .isEqualTo("rw-------");
    }
}
