package io.meterlake.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** A real {@code GET /metrics}: of a process at the address it printed, or of a given address. */
final class MetricsScrape {
    private static final Pattern PRINTED = Pattern.compile("metrics at (http://\\S+/metrics)");

    private MetricsScrape() {}

    /** The metrics of the process whose stderr is {@code printed} ("... metrics at http://host:port/metrics"). */
    static String printedIn(Path printed) throws Exception {
        Matcher address = PRINTED.matcher(Files.readString(printed));
        assertThat(address.find())
                .as("the metrics address printed in " + printed)
                .isTrue();
        return of(address.group(1));
    }

    /** The body of {@code GET url}, answered 200 in Prometheus' text format. */
    static String of(String url) throws Exception {
        HttpResponse<String> answer = HttpClient.newHttpClient()
                .send(HttpRequest.newBuilder(URI.create(url)).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(answer.statusCode()).isEqualTo(200);
        assertThat(answer.headers().firstValue("content-type"))
                .hasValueSatisfying(type -> assertThat(type).startsWith("text/plain"));
        return answer.body();
    }
}
