package io.meterlake.signing;

import io.meterlake.error.ContractErrors;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.InvalidKeyException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.Signature;
import java.security.SignatureException;
import java.security.spec.InvalidKeySpecException;
import java.security.spec.PKCS8EncodedKeySpec;
import java.security.spec.X509EncodedKeySpec;
import java.util.Base64;
import java.util.HexFormat;
import java.util.Optional;

/**
 * Ed25519 signatures and SHA-256 hashes over canonical renderings, with the JDK's own providers.
 *
 * <p>Keys are stored as PEM: private keys as PKCS#8 ({@code PRIVATE KEY}), public keys as X.509
 * SubjectPublicKeyInfo ({@code PUBLIC KEY}), the forms {@code openssl} reads. A key id is the
 * first 16 hex digits of the SHA-256 of the public key's DER encoding.
 *
 * <p>A private key file is written with mode 0600 and, like ssh, never read for signing while its
 * group or others have any permission on it.
 */
public final class Signing {
    public static final String ALGORITHM = "Ed25519";
    private static final String PRIVATE_LABEL = "PRIVATE KEY";
    private static final String PUBLIC_LABEL = "PUBLIC KEY";

    private Signing() {}

    public static KeyPair generateKeyPair() {
        try {
            return KeyPairGenerator.getInstance(ALGORITHM).generateKeyPair();
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("this JDK has no Ed25519 provider", e);
        }
    }

    public static String sha256Hex(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("this JDK has no SHA-256", e);
        }
    }

    public static String keyId(PublicKey key) {
        return sha256Hex(key.getEncoded()).substring(0, 16);
    }

    /** The key id of a private key's public half: signer and verifier name the same key alike. */
    public static String keyId(PrivateKey key) {
        return keyId(Ed25519PublicKeys.of(key));
    }

    /** The public half of an Ed25519 private key. */
    public static PublicKey publicKeyOf(PrivateKey key) {
        return Ed25519PublicKeys.of(key);
    }

    /** Base64 Ed25519 signature of {@code content}. */
    public static String sign(PrivateKey key, byte[] content) {
        try {
            Signature signature = Signature.getInstance(ALGORITHM);
            signature.initSign(key);
            signature.update(content);
            return Base64.getEncoder().encodeToString(signature.sign());
        } catch (InvalidKeyException e) {
            throw ContractErrors.notAPrivateKey(e);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("signing failed", e);
        }
    }

    /** A public key from the Base64 of its X.509 DER, as rows record one; empty when it is not one. */
    public static java.util.Optional<PublicKey> publicKey(String base64) {
        try {
            return java.util.Optional.of(java.security.KeyFactory.getInstance(ALGORITHM)
                    .generatePublic(new java.security.spec.X509EncodedKeySpec(
                            Base64.getDecoder().decode(base64))));
        } catch (GeneralSecurityException | IllegalArgumentException | NullPointerException e) {
            return java.util.Optional.empty();
        }
    }

    /** The Base64 of {@code key}'s X.509 DER: what rows record and {@link #publicKey(String)} reads. */
    public static String encoded(PublicKey key) {
        return Base64.getEncoder().encodeToString(key.getEncoded());
    }

    /** Whether {@code signatureBase64} is a valid signature of {@code content} by {@code key}. */
    public static boolean verify(PublicKey key, byte[] content, String signatureBase64) {
        try {
            Signature signature = Signature.getInstance(ALGORITHM);
            signature.initVerify(key);
            signature.update(content);
            return signature.verify(Base64.getDecoder().decode(signatureBase64));
        } catch (IllegalArgumentException | SignatureException e) {
            return false; // not Base64, or not a well-formed signature: it does not verify
        } catch (InvalidKeyException e) {
            throw ContractErrors.notAPublicKey(e);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("verification failed to run", e);
        }
    }

    public static void writeKeyPair(KeyPair pair, Path privateKeyOut, Path publicKeyOut) {
        writePem(privateKeyOut, PRIVATE_LABEL, pair.getPrivate().getEncoded(), true);
        writePem(publicKeyOut, PUBLIC_LABEL, pair.getPublic().getEncoded(), false);
    }

    /** Reads a private key; refuses (exit 2) a file that its group or others may access. */
    public static PrivateKey readPrivateKey(Path file) {
        byte[] der = readPem(file, PRIVATE_LABEL);
        Optional<String> exposed;
        try {
            exposed = PrivateFiles.exposedMode(file);
        } catch (IOException e) {
            throw ContractErrors.permissionsUnreadable(file, e.getMessage());
        }
        if (exposed.isPresent()) {
            throw ContractErrors.notPrivate(file, exposed.get());
        }
        try {
            return KeyFactory.getInstance(ALGORITHM).generatePrivate(new PKCS8EncodedKeySpec(der));
        } catch (InvalidKeySpecException e) {
            throw ContractErrors.notAPrivateKey(file, e);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    public static PublicKey readPublicKey(Path file) {
        byte[] der = readPem(file, PUBLIC_LABEL);
        try {
            return KeyFactory.getInstance(ALGORITHM).generatePublic(new X509EncodedKeySpec(der));
        } catch (InvalidKeySpecException e) {
            throw ContractErrors.notAPublicKey(file, e);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void writePem(Path file, String label, byte[] der, boolean secret) {
        String body = Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII))
                .encodeToString(der);
        String pem = "-----BEGIN " + label + "-----\n" + body + "\n-----END " + label + "-----\n";
        try {
            if (secret) {
                PrivateFiles.write(file, pem);
                return;
            }
            Path parent = file.toAbsolutePath().getParent();
            if (parent != null) {
                Files.createDirectories(parent);
            }
            Files.writeString(file, pem, StandardCharsets.US_ASCII);
        } catch (IOException e) {
            throw ContractErrors.cannotWrite(file, e.getMessage());
        }
    }

    private static byte[] readPem(Path file, String label) {
        if (!Files.isRegularFile(file)) {
            throw ContractErrors.missing(file);
        }
        String text;
        try {
            text = Files.readString(file, StandardCharsets.US_ASCII);
        } catch (IOException e) {
            throw ContractErrors.unreadable(file, e);
        }
        String begin = "-----BEGIN " + label + "-----";
        String end = "-----END " + label + "-----";
        int from = text.indexOf(begin);
        int to = text.indexOf(end);
        if (from < 0 || to < from) {
            throw ContractErrors.noPemBlock(file, label);
        }
        try {
            return Base64.getMimeDecoder().decode(text.substring(from + begin.length(), to));
        } catch (IllegalArgumentException e) {
            throw ContractErrors.damagedPem(file, e);
        }
    }
}
