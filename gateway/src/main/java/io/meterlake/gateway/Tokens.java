package io.meterlake.gateway;

import io.meterlake.signing.PrivateFiles;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;

/**
 * The bearer tokens the gateway accepts, each bound to the {@code source} values it may send. Read
 * from a file of lines {@code <name> <sha256 of the token, 64 hex digits> <source>[,<source>...]}
 * ({@code #} starts a comment): the tokens themselves are never stored, printed or logged; the
 * gateway hashes what a request presents and looks the hash up. Names are what logs and metrics show.
 */
public final class Tokens {
    /** One token: its name (for people) and the sources it owns. */
    public record Token(String name, Set<String> sources) {
        public boolean owns(String source) {
            return sources.contains(source);
        }
    }

    private final Map<String, Token> byHash;

    private Tokens(Map<String, Token> byHash) {
        this.byHash = byHash;
    }

    /** No token at all: every request is answered 401. */
    public static Tokens none() {
        return new Tokens(Map.of());
    }

    /** Reads the tokens file; every problem in it is reported at once, none echoes a hash. */
    public static Tokens read(Path file) {
        return read(file, false);
    }

    /**
     * As {@link #read(Path)}; with {@code allowEmpty} a file without tokens is no error (every token
     * revoked: the gateway then answers 401 to everyone).
     */
    public static Tokens read(Path file, boolean allowEmpty) {
        if (!Files.isRegularFile(file)) {
            throw GatewayErrors.noTokensFile(file);
        }
        List<String> lines;
        try {
            // It names every token and the sources each may send: its owner's alone, as a signing key.
            Optional<String> exposed = PrivateFiles.exposedMode(file);
            if (exposed.isPresent()) {
                throw GatewayErrors.tokensNotPrivate(file, exposed.get());
            }
            lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw GatewayErrors.tokensUnreadable(file, e);
        }
        Map<String, Token> byHash = new TreeMap<>();
        Set<String> names = new LinkedHashSet<>();
        List<String> errors = new ArrayList<>();
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i).replaceFirst("#.*", "").trim();
            if (line.isEmpty()) {
                continue;
            }
            String[] fields = line.split("\\s+");
            String where = "line " + (i + 1);
            if (fields.length != 3) {
                errors.add(where + " has " + fields.length + " fields, not 3 (name, sha256 hex, sources)");
                continue;
            }
            String hash = fields[1].toLowerCase(java.util.Locale.ROOT);
            if (!hash.matches("[0-9a-f]{64}")) {
                errors.add(where + ": the second field is not a SHA-256 in hex (64 digits)"
                        + (fields[1].length() != 64 ? ", it has " + fields[1].length() + " characters" : ""));
                continue;
            }
            if (!names.add(fields[0])) {
                errors.add(where + ": the name '" + fields[0] + "' is used twice");
            }
            Set<String> sources = new LinkedHashSet<>();
            for (String source : fields[2].split(",")) {
                if (!source.isBlank()) {
                    sources.add(source.trim());
                }
            }
            if (sources.isEmpty()) {
                errors.add(where + ": token '" + fields[0] + "' owns no source");
            }
            if (byHash.put(hash, new Token(fields[0], Set.copyOf(sources))) != null) {
                errors.add(where + ": token '" + fields[0] + "' has the same hash as an earlier line");
            }
        }
        if (byHash.isEmpty() && errors.isEmpty() && !allowEmpty) {
            errors.add("it holds no token");
        }
        if (!errors.isEmpty()) {
            throw GatewayErrors.tokensUnusable(file, errors);
        }
        return new Tokens(byHash);
    }

    public int size() {
        return byHash.size();
    }

    /** Every token, by name: what {@code gateway tokens list} shows (never a hash). */
    public List<Token> all() {
        return byHash.values().stream()
                .sorted(java.util.Comparator.comparing(Token::name))
                .toList();
    }

    /** The token whose hash matches what a request presented, if any. */
    public Optional<Token> authenticate(String presented) {
        if (presented == null || presented.isEmpty()) {
            return Optional.empty();
        }
        return Optional.ofNullable(byHash.get(sha256(presented)));
    }

    /** The hex SHA-256 of a token's UTF-8 bytes: what the tokens file holds. */
    public static String sha256(String token) {
        try {
            return HexFormat.of()
                    .formatHex(MessageDigest.getInstance("SHA-256").digest(token.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every JDK", e);
        }
    }
}
