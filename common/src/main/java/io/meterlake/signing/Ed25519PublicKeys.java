package io.meterlake.signing;

import io.meterlake.error.ContractErrors;
import java.math.BigInteger;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.MessageDigest;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.interfaces.EdECPrivateKey;
import java.security.spec.EdECPoint;
import java.security.spec.EdECPublicKeySpec;
import java.security.spec.NamedParameterSpec;
import java.util.Arrays;

/**
 * The public key of an Ed25519 private key (RFC 8032, section 5.1.5), which the JDK does not expose.
 * {@code publish} needs it to name the signing key by its id while it is handed only the private key.
 *
 * <p>Only the key derivation is done here; signing and verifying stay with the JDK. The derived key is
 * checked by signing and verifying a probe with the JDK before it is returned, so a wrong derivation
 * can never yield a key id that does not belong to the key. The arithmetic is not constant-time: it
 * runs once per publish on the publisher's own machine.
 */
final class Ed25519PublicKeys {
    private static final BigInteger P = BigInteger.TWO.pow(255).subtract(BigInteger.valueOf(19));
    private static final BigInteger D = BigInteger.valueOf(-121665)
            .multiply(BigInteger.valueOf(121666).modInverse(P))
            .mod(P);
    private static final BigInteger[] BASE = {
        new BigInteger("15112221349535400772501151409588531511454012693041857206046113283949847762202"),
        new BigInteger("46316835694926478169428394003475163141307993866256225615783033603165251855960"),
    };
    private static final BigInteger[] IDENTITY = {BigInteger.ZERO, BigInteger.ONE};

    private Ed25519PublicKeys() {}

    static PublicKey of(PrivateKey key) {
        if (!(key instanceof EdECPrivateKey edKey) || edKey.getBytes().isEmpty()) {
            throw ContractErrors.notAPrivateKey(null);
        }
        byte[] hash = sha512(edKey.getBytes().get());
        byte[] scalarBytes = Arrays.copyOf(hash, 32);
        scalarBytes[0] &= (byte) 248;
        scalarBytes[31] &= 127;
        scalarBytes[31] |= 64;
        BigInteger[] point = multiply(BASE, littleEndian(scalarBytes));
        PublicKey derived;
        try {
            derived = KeyFactory.getInstance(Signing.ALGORITHM)
                    .generatePublic(new EdECPublicKeySpec(
                            NamedParameterSpec.ED25519, new EdECPoint(point[0].testBit(0), point[1])));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("cannot build an Ed25519 public key", e);
        }
        byte[] probe = "meterlake key probe".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        if (!Signing.verify(derived, probe, Signing.sign(key, probe))) {
            throw new IllegalStateException("the derived Ed25519 public key does not verify its own key's signature");
        }
        return derived;
    }

    private static BigInteger[] multiply(BigInteger[] point, BigInteger scalar) {
        BigInteger[] result = IDENTITY;
        BigInteger[] addend = point;
        for (int bit = 0; bit < scalar.bitLength(); bit++) {
            if (scalar.testBit(bit)) {
                result = add(result, addend);
            }
            addend = add(addend, addend);
        }
        return result;
    }

    /** Affine addition on the twisted Edwards curve -x^2 + y^2 = 1 + d x^2 y^2. */
    private static BigInteger[] add(BigInteger[] a, BigInteger[] b) {
        BigInteger xx = a[0].multiply(b[0]).mod(P);
        BigInteger yy = a[1].multiply(b[1]).mod(P);
        BigInteger dxxyy = D.multiply(xx).multiply(yy).mod(P);
        BigInteger x = a[0].multiply(b[1])
                .add(a[1].multiply(b[0]))
                .multiply(BigInteger.ONE.add(dxxyy).modInverse(P))
                .mod(P);
        BigInteger y = yy.add(xx)
                .multiply(BigInteger.ONE.subtract(dxxyy).mod(P).modInverse(P))
                .mod(P);
        return new BigInteger[] {x, y};
    }

    private static BigInteger littleEndian(byte[] bytes) {
        byte[] bigEndian = new byte[bytes.length];
        for (int i = 0; i < bytes.length; i++) {
            bigEndian[i] = bytes[bytes.length - 1 - i];
        }
        return new BigInteger(1, bigEndian);
    }

    private static byte[] sha512(byte[] bytes) {
        try {
            return MessageDigest.getInstance("SHA-512").digest(bytes);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("this JDK has no SHA-512", e);
        }
    }
}
