package io.meterlake.webhooks;

import io.meterlake.error.ContractErrors;
import io.meterlake.signing.PrivateFiles;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * The webhook endpoints limit notifications go to ({@code notifications.endpoints-file}): one per line, {@code
 * <name> <billing account or *> <url> <secret> <since>} ({@code *}: every account's notifications; {@code since}: the
 * instant it was added, notifications decided before it are not its), {@code #} comments.
 * The file holds the signing secrets, so it is read only when owner-only and written owner-only, whole, beside
 * itself and moved over in one step (a running delivery worker never reads half an edit).
 */
public final class WebhookEndpoints {
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,63}");
    private static final Pattern ACCOUNT = Pattern.compile("\\*|[^\\s#*]+");

    private WebhookEndpoints() {}

    /** One endpoint; {@code account} {@code *} takes every account's notifications. */
    public record Endpoint(String name, String account, URI url, String secret, Instant since) {
        /** Whether it takes {@code notification}: of its account (or it takes every one), decided since it was added. */
        public boolean takes(io.meterlake.limits.Notification notification) {
            return (account.equals("*") || account.equals(notification.billingAccountId()))
                    && !notification.decidedAt().isBefore(since);
        }

        @Override
        public String toString() {
            return name + " " + account + " " + url + " since " + since; // never the secret
        }
    }

    /** The endpoints of {@code file}; none when it does not exist. */
    public static List<Endpoint> read(Path file) {
        if (!Files.exists(file)) {
            return List.of();
        }
        List<String> errors = new ArrayList<>();
        List<Endpoint> endpoints = new ArrayList<>();
        List<String> lines = lines(file);
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i).strip();
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            String[] fields = line.split("\\s+");
            String problem = fields.length != 5 ? fields.length + " fields, not 5" : problem(fields);
            if (problem != null) {
                errors.add("line " + (i + 1) + ": " + problem);
            } else if (endpoints.stream().anyMatch(e -> e.name().equals(fields[0]))) {
                errors.add("line " + (i + 1) + ": endpoint " + fields[0] + " appears twice");
            } else {
                endpoints.add(
                        new Endpoint(fields[0], fields[1], URI.create(fields[2]), fields[3], Instant.parse(fields[4])));
            }
        }
        if (!errors.isEmpty()) {
            throw ContractErrors.endpointsMalformed(file, String.join("; ", errors));
        }
        return List.copyOf(endpoints);
    }

    /**
     * Adds an endpoint named {@code name} for {@code account} ({@code *}: every account) at {@code url}, taking the
     * notifications decided from {@code now} on; returns its new secret, which the receiver verifies signatures
     * with. The file is created (owner-only) if missing.
     */
    public static String add(Path file, String name, String account, String url, Instant now) {
        String secret = WebhookSignature.newSecret();
        String problem = problem(new String[] {name, account, url, secret, now.toString()});
        if (problem != null) {
            throw ContractErrors.badEndpoint(problem);
        }
        if (read(file).stream().anyMatch(e -> e.name().equals(name))) {
            throw ContractErrors.badEndpoint("an endpoint named '" + name + "' exists in " + file);
        }
        List<String> lines = Files.exists(file) ? lines(file) : new ArrayList<>();
        lines.add(name + " " + account + " " + url + " " + secret + " " + now);
        replace(file, lines);
        return secret;
    }

    /** Removes the endpoint named {@code name}. */
    public static void remove(Path file, String name) {
        if (read(file).stream().noneMatch(e -> e.name().equals(name))) {
            throw ContractErrors.noSuchEndpoint(file, name);
        }
        List<String> kept = lines(file).stream()
                .filter(line -> !line.strip().split("\\s+")[0].equals(name))
                .toList();
        replace(file, new ArrayList<>(kept));
    }

    /** What is wrong with the fields of one line; null when nothing is. */
    private static String problem(String[] fields) {
        if (!NAME.matcher(fields[0]).matches()) {
            return "name '" + fields[0] + "' is not 1 to 64 letters, digits, '.', '_' or '-'";
        }
        if (!ACCOUNT.matcher(fields[1]).matches()) {
            return "account '" + fields[1] + "' is not a billing account id or *";
        }
        try {
            URI url = new URI(fields[2]);
            if (!("http".equals(url.getScheme()) || "https".equals(url.getScheme())) || url.getHost() == null) {
                return "url '" + fields[2] + "' is not an http(s) URL with a host";
            }
        } catch (java.net.URISyntaxException e) {
            return "url '" + fields[2] + "' is not a URL";
        }
        if (!WebhookSignature.isSecret(fields[3])) {
            return "the secret is not whsec_ and base64 of 24 bytes or more";
        }
        try {
            Instant.parse(fields[4]);
            return null;
        } catch (java.time.format.DateTimeParseException e) {
            return "since '" + fields[4] + "' is not an ISO-8601 UTC instant like 2026-12-01T00:00:00Z";
        }
    }

    private static List<String> lines(Path file) {
        try {
            java.util.Optional<String> exposed = PrivateFiles.exposedMode(file);
            if (exposed.isPresent()) {
                throw ContractErrors.endpointsExposed(file, exposed.get());
            }
            return new ArrayList<>(Files.readAllLines(file));
        } catch (IOException e) {
            throw ContractErrors.endpointsUnreadable(file, String.valueOf(e.getMessage()));
        }
    }

    private static void replace(Path file, List<String> lines) {
        Path next = file.resolveSibling(file.getFileName() + ".next");
        try {
            PrivateFiles.write(next, String.join("\n", lines) + "\n");
            Files.move(next, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw ContractErrors.endpointsUnreadable(file, String.valueOf(e.getMessage()));
        }
    }
}
