package io.meterlake.gateway;

import io.meterlake.batch.usage.UsagePage;
import io.meterlake.batch.usage.UsageQuery;
import io.meterlake.batch.usage.UsageScope;
import io.meterlake.catalog.MetricCatalog;
import io.meterlake.period.Period;
import io.meterlake.table.TableRows;
import java.time.Clock;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.util.Fields;

/**
 * {@code GET /v1/usage/subscriptions/{id}} and {@code GET /v1/usage/accounts/{id}}: a tenant's usage so far, the
 * body of {@code usage --format json} ({@link UsageQuery}, read without Spark through {@link
 * io.meterlake.table.LiveTables}: each table at its latest version, checked at most a second ago). Read tokens are not ingest tokens: their own file
 * ({@code gateway.read-tokens-file}), each bound to tenants, billing accounts or everything ({@link UsageScope}).
 * A subscription or account the token may not see answers exactly as one that does not exist: 404, the same body.
 */
final class UsageEndpoint implements AutoCloseable {
    static final String SUBSCRIPTIONS = "/v1/usage/subscriptions/";
    /** Every table an answer reads ({@link UsageQuery}, {@link UsageScope}): it stands while they do. */
    private static final List<String> READ = List.of(
            io.meterlake.schema.Tables.ENTITLEMENTS,
            io.meterlake.schema.Tables.BILLING_PERIODS,
            io.meterlake.schema.Tables.BILLING_PERIOD_LINES,
            io.meterlake.schema.Tables.BILLING_APPROVALS,
            io.meterlake.schema.Tables.BILLING_PERIOD_LOCKS,
            io.meterlake.schema.Tables.USAGE_AGGREGATES_PROVISIONAL);

    private static final int MAX_KEPT_ANSWERS = 10_000;
    /** The answers being read again after a commit, by one thread beside the requests. */
    private final java.util.Set<String> rereading = java.util.concurrent.ConcurrentHashMap.newKeySet();

    private final java.util.concurrent.ExecutorService rereader =
            java.util.concurrent.Executors.newSingleThreadExecutor(runnable -> {
                Thread thread = new Thread(runnable, "gateway-usage-reread");
                thread.setDaemon(true);
                return thread;
            });

    private record Kept(List<Long> versions, Optional<UsageQuery.Answer> answer) {}

    private record LimitsAt(long version, List<io.meterlake.limits.Limit> limits) {}

    private volatile LimitsAt limitsAt;

    static final String ACCOUNTS = "/v1/usage/accounts/";
    static final String ACCESS = "/v1/access";

    private final TokensReloader reloader;
    private final GatewayMetrics metrics;
    private final Supplier<Tokens> tokens;
    private final io.meterlake.table.LiveTables tables;
    /** Answers by token scope and question, with the versions of {@link #READ} they were read at; LRU. */
    private final Map<String, Kept> answers =
            java.util.Collections.synchronizedMap(new java.util.LinkedHashMap<>(256, 0.75f, true) {
                @Override
                protected boolean removeEldestEntry(Map.Entry<String, Kept> eldest) {
                    return size() > MAX_KEPT_ANSWERS;
                }
            });

    private final MetricCatalog catalog;
    private final List<String> approvers;
    private final Clock clock;

    /**
     * Over {@code config}'s warehouse and read tokens file. No read tokens yet is no error: every usage request is
     * answered 401 until 'gateway tokens add --tenant' writes one (the file is reloaded within a second).
     */
    static UsageEndpoint open(
            io.meterlake.config.MeterlakeConfig config, Clock clock, GatewayMetrics metrics, java.io.PrintWriter log) {
        java.nio.file.Path file = java.nio.file.Path.of(config.gateway().readTokensFile());
        TokensReloader reloader = new TokensReloader(
                file, java.nio.file.Files.exists(file) ? Tokens.read(file, true) : Tokens.none(), "read tokens", log);
        return new UsageEndpoint(
                reloader,
                metrics,
                io.meterlake.table.LiveTables.of(config),
                config.catalog(),
                config.approvers(),
                clock);
    }

    /** {@code tables}: the warehouse for one request (each table at one version, at most a second old). */
    private UsageEndpoint(
            TokensReloader reloader,
            GatewayMetrics metrics,
            io.meterlake.table.LiveTables tables,
            MetricCatalog catalog,
            List<String> approvers,
            Clock clock) {
        this.reloader = reloader;
        this.metrics = metrics;
        this.tokens = reloader::current;
        this.tables = tables;
        this.catalog = catalog;
        this.approvers = List.copyOf(approvers);
        this.clock = clock;
    }

    /** The answer to a GET of {@code path}, which starts with {@link #SUBSCRIPTIONS} or {@link #ACCOUNTS}. */
    Answer answer(Request request, String path) {
        long started = System.nanoTime();
        Answer answer = read(request, path);
        metrics.usageAnswered(answer.status(), (System.nanoTime() - started) / 1e9);
        return answer;
    }

    private Answer read(Request request, String path) {
        Optional<Tokens.Token> token = Requests.token(request, tokens.get());
        if (token.isEmpty()) {
            return Answer.unauthorized("read token", "meterlake-usage");
        }
        boolean subscription = path.startsWith(SUBSCRIPTIONS);
        String id = path.substring(subscription ? SUBSCRIPTIONS.length() : ACCOUNTS.length());
        if (id.isEmpty() || id.contains("/")) {
            return notFound(path);
        }
        Fields parameters = Request.extractQueryParameters(request);
        Period period;
        UsageQuery.Window window;
        try {
            String given = parameters.getValue("period");
            period = given == null ? Period.monthOf(clock.instant()) : Period.parse(given);
        } catch (RuntimeException e) {
            return Answer.error(400, "period must be a month, YYYY-MM (e.g. 2026-11): " + e.getMessage());
        }
        try {
            String given = parameters.getValue("window");
            window = given == null
                    ? UsageQuery.Window.period
                    : UsageQuery.Window.valueOf(given.toLowerCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            return Answer.error(400, "window must be period, day or hour");
        }
        UsageQuery.Selection selection =
                subscription ? UsageQuery.Selection.subscription(id) : UsageQuery.Selection.account(id);
        Optional<UsageQuery.Answer> answer = answer(UsageScope.of(token.get().sources()), selection, period, window);
        if (answer.isEmpty()) {
            return notFound(path);
        }
        // A browser (Accept: text/html, not application/json) gets the page of the same values; any other client,
        // one that accepts both among them, the JSON.
        String accept = request.getHeaders().get(HttpHeader.ACCEPT);
        if (accept != null && accept.contains("text/html") && !accept.contains("application/json")) {
            return new Answer(
                    200,
                    "text/html; charset=utf-8",
                    UsagePage.html(answer.get(), selection, period, window.name()),
                    Map.of("Cache-Control", "no-store"));
        }
        return Answer.json(
                200, answer.get().json(selection, period, window.name()), Map.of("Cache-Control", "no-store"));
    }

    /**
     * {@code GET /v1/access?subscription_id=&metric=}: may the subscription still use the metric ({@link
     * io.meterlake.batch.usage.AccessCheck}): its usage of the month so far, the same answer {@code GET
     * /v1/usage/subscriptions/{id}} gives (kept and refreshed alike), against the limit that applies to it now.
     */
    Answer access(Request request) {
        long started = System.nanoTime();
        Answer answer = check(request);
        metrics.usageAnswered(answer.status(), (System.nanoTime() - started) / 1e9);
        return answer;
    }

    private Answer check(Request request) {
        Optional<Tokens.Token> token = Requests.token(request, tokens.get());
        if (token.isEmpty()) {
            return Answer.unauthorized("read token", "meterlake-usage");
        }
        Fields parameters = Request.extractQueryParameters(request);
        String subscription = parameters.getValue("subscription_id");
        String metric = parameters.getValue("metric");
        if (subscription == null || subscription.isBlank() || metric == null || metric.isBlank()) {
            return Answer.error(
                    400,
                    "give subscription_id and metric, e.g. /v1/access?subscription_id=s-1&metric="
                            + catalog.metrics().get(0).name());
        }
        if (catalog.metric(metric).isEmpty()) {
            return Answer.error(400, "metric '" + metric + "' is not in the catalog");
        }
        java.time.Instant now = clock.instant();
        Period period = Period.monthOf(now);
        Optional<UsageQuery.Answer> usage = answer(
                UsageScope.of(token.get().sources()),
                UsageQuery.Selection.subscription(subscription),
                period,
                UsageQuery.Window.period);
        if (usage.isEmpty()) {
            return Answer.error(404, "no such subscription: " + subscription);
        }
        TableRows reads = tables.view();
        List<io.meterlake.limits.Limit> limits = limits(reads);
        String plan = io.meterlake.limits.Limits.plan(
                reads
                        .rows(
                                io.meterlake.schema.Tables.ENTITLEMENTS,
                                Map.of(io.meterlake.schema.Columns.SUBSCRIPTION_ID, subscription))
                        .stream()
                        .map(io.meterlake.schema.Rows::entitlement)
                        .toList(),
                subscription,
                now);
        return Answer.json(
                200,
                io.meterlake.batch.usage.AccessCheck.of(
                                usage.get(),
                                subscription,
                                metric,
                                period,
                                io.meterlake.limits.Limits.applying(limits, subscription, plan, metric, now),
                                catalog)
                        .json(),
                Map.of("Cache-Control", "no-store"));
    }

    /**
     * The scope's answer, kept while the tables it reads stay at their versions ({@link
     * io.meterlake.table.LiveTables} sees a commit within a second), its {@code as_of} the stream's latest mark
     * meanwhile. When one of them changed, a kept answer is given once more, as of its own mark, while one thread
     * beside the requests reads it again; a question asked first is answered as it is read.
     */
    private Optional<UsageQuery.Answer> answer(
            UsageScope scope, UsageQuery.Selection selection, Period period, UsageQuery.Window window) {
        String key = String.join(
                "\n", scope.toString(), selection.column(), selection.id(), period.toString(), window.name());
        io.meterlake.table.LiveTables.Stand stand = tables.stand(READ);
        List<Long> versions = stand.versions();
        Kept kept = answers.get(key);
        if (kept != null && kept.versions().equals(versions)) {
            return kept.answer().map(answer -> answer.asOf(stand.visibleThrough()));
        }
        if (kept == null) {
            return read(key, versions, scope, selection, period, window);
        }
        if (rereading.add(key)) {
            rereader.execute(() -> {
                try {
                    read(key, versions, scope, selection, period, window);
                } finally {
                    rereading.remove(key);
                }
            });
        }
        return kept.answer();
    }

    /** The limits, made once per version of their table (every check reads them all). */
    private List<io.meterlake.limits.Limit> limits(TableRows reads) {
        long version = tables.stand(List.of(io.meterlake.schema.Tables.USAGE_LIMITS))
                .versions()
                .get(0);
        LimitsAt known = limitsAt;
        if (known == null || known.version() != version) {
            known = new LimitsAt(
                    version,
                    reads.rows(io.meterlake.schema.Tables.USAGE_LIMITS, Map.of()).stream()
                            .map(io.meterlake.schema.Rows::limit)
                            .toList());
            limitsAt = known;
        }
        return known.limits();
    }

    private Optional<UsageQuery.Answer> read(
            String key,
            List<Long> versions,
            UsageScope scope,
            UsageQuery.Selection selection,
            Period period,
            UsageQuery.Window window) {
        TableRows reads = tables.view();
        UsageQuery query = new UsageQuery(reads, catalog, approvers);
        Optional<UsageQuery.Answer> answer =
                scope.answer(reads, selection, chosen -> query.answer(chosen, period, window));
        answers.put(key, new Kept(versions, answer));
        return answer;
    }

    @Override
    public void close() {
        rereader.shutdownNow();
        reloader.close();
    }

    /** The same for what does not exist and what the token may not see. */
    private static Answer notFound(String path) {
        return Answer.error(404, "no such resource: " + path);
    }
}
