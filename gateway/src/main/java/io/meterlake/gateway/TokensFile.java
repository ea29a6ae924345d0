package io.meterlake.gateway;

import io.meterlake.signing.PrivateFiles;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Edits the gateway's tokens file ({@code gateway tokens add|revoke}), so nobody writes a hash by hand. A
 * token is made here (256 random bits, in hex) and shown once; the file keeps only its hash. Every edit is
 * checked as {@link Tokens} reads it, written owner-only beside the file and moved over it in one step,
 * so a running gateway, which reloads the file when it changes, never reads half an edit.
 */
public final class TokensFile {
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,63}");
    private static final Pattern SOURCE = Pattern.compile("[^\\s,#]+");
    private static final SecureRandom RANDOM = new SecureRandom();

    private TokensFile() {}

    /**
     * Adds a token named {@code name} that may send {@code sources}; returns the token, which exists nowhere
     * else. The file is created if missing.
     */
    public static String add(Path file, String name, List<String> sources) {
        if (!NAME.matcher(name).matches()) {
            throw GatewayErrors.badTokenName(name);
        }
        if (sources.isEmpty()
                || !sources.stream().allMatch(source -> SOURCE.matcher(source).matches())) {
            throw GatewayErrors.badTokenSources();
        }
        List<String> lines = lines(file);
        Optional<String> taken =
                lines.stream().map(TokensFile::nameOf).filter(name::equals).findFirst();
        if (taken.isPresent()) {
            throw GatewayErrors.tokenNameTaken(file, name);
        }
        byte[] random = new byte[32];
        RANDOM.nextBytes(random);
        String token = HexFormat.of().formatHex(random);
        lines.add(name + " " + Tokens.sha256(token) + " " + String.join(",", sources));
        replace(file, lines);
        return token;
    }

    /** Removes the token named {@code name}; a running gateway refuses it once it has reloaded the file. */
    public static void revoke(Path file, String name) {
        if (!Files.exists(file)) {
            throw GatewayErrors.noTokensFile(file);
        }
        List<String> lines = lines(file);
        List<String> kept = new ArrayList<>(lines);
        kept.removeIf(line -> name.equals(nameOf(line)));
        if (kept.size() == lines.size()) {
            List<String> names = lines.stream()
                    .map(TokensFile::nameOf)
                    .filter(n -> !n.isEmpty())
                    .toList();
            throw GatewayErrors.noSuchToken(file, name, names);
        }
        replace(file, kept);
    }

    /** The first field of a line without its comment: the token's name, or "" for a comment or blank line. */
    private static String nameOf(String line) {
        String content = line.replaceFirst("#.*", "").trim();
        return content.isEmpty() ? "" : content.split("\\s+")[0];
    }

    private static List<String> lines(Path file) {
        if (!Files.exists(file)) {
            return new ArrayList<>(List.of("# <name> <sha256 of the token, hex> <source>[,<source>...]"
                    + " (written by 'meterlake gateway tokens')"));
        }
        // Refused like the gateway refuses it (exposed, unreadable or broken) before anything is changed.
        Tokens.read(file, true);
        try {
            return new ArrayList<>(Files.readAllLines(file, StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw GatewayErrors.tokensUnreadable(file, e);
        }
    }

    /** Writes {@code lines} owner-only beside {@code file}, checks them as the gateway reads them, moves them over it. */
    private static void replace(Path file, List<String> lines) {
        Path next = file.resolveSibling(file.getFileName() + ".next");
        try {
            PrivateFiles.write(next, String.join("\n", lines) + "\n");
            Tokens.read(next, true);
            Files.move(next, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw GatewayErrors.tokensUnwritable(file, e);
        } finally {
            try {
                Files.deleteIfExists(next);
            } catch (IOException ignored) {
                // the move took it, or there is nothing to clean up
            }
        }
    }
}
