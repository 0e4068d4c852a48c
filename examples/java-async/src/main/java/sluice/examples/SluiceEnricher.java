package sluice.examples;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayDeque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * An asynchronous enrichment client for a chat-completions endpoint behind Sluice, using only java.net.http:
 * the body of a Flink {@code AsyncFunction} or a Spark {@code mapPartitions}.
 *
 * <ul>
 *   <li>At most {@code maxInFlight} HTTP calls at once; more calls wait in a queue without blocking the caller.
 *   <li>The access token comes from {@link ClientCredentials} (refreshed before expiry); a 401 refreshes it once.
 *   <li>408, 429, 500, 502, 503, 504 and network errors are retried with exponential backoff and jitter; a
 *       {@code retry-after} header is honoured (up to {@code maxRetryAfter}, beyond which the record fails).
 *   <li>Every attempt of a record carries the same {@code Idempotency-Key}; {@code x-request-id} adds the attempt.
 *   <li>Every record ends in a {@link Result}: the future never fails, so one bad record never fails the job.
 * </ul>
 */
public final class SluiceEnricher {
    private static final Set<Integer> RETRYABLE = Set.of(408, 429, 500, 502, 503, 504);

    public static final class Options {
        /** e.g. {@code https://sluice.internal/v1} (the connection's OpenAI-compatible base URL). */
        public String baseUrl = "http://127.0.0.1:8080/v1";
        public String model = "gpt-4o-mini";
        public String systemPrompt = "Classify this support ticket: product area and urgency, one line.";
        /** Groups this run in Sluice's audit trail ({@code sluice audit replay <session>}). */
        public String session;
        public int maxInFlight = 16;
        /** Attempts per record, the first included. */
        public int maxAttempts = 4;
        /** Per attempt. Longer than any approval hold your policy may place on this job. */
        public Duration requestTimeout = Duration.ofMinutes(2);
        public Duration baseBackoff = Duration.ofMillis(500);
        public Duration maxBackoff = Duration.ofSeconds(8);
        /** A longer retry-after (a quota window) fails the record instead of parking a slot for that long. */
        public Duration maxRetryAfter = Duration.ofSeconds(60);
        public int maxTokens = 200;
    }

    /** The outcome of one record. {@code errorCode} is the provider's or Sluice's code (e.g. SLUICE_POLICY_BLOCKED). */
    public record Result(String key, boolean ok, String output, int status, String errorCode, String errorMessage, int attempts, long totalTokens) {}

    /** Counters for logs and metrics. */
    public static final class Stats {
        public final AtomicInteger attempts = new AtomicInteger();
        public final AtomicInteger retries = new AtomicInteger();
        public final AtomicInteger refreshedAfter401 = new AtomicInteger();
        public final AtomicInteger maxInFlightSeen = new AtomicInteger();
    }

    private final HttpClient http;
    private final ClientCredentials tokens;
    private final Options o;
    private final URI endpoint;
    public final Stats stats = new Stats();
    private final ArrayDeque<Runnable> queue = new ArrayDeque<>(); // guarded by this
    private int running; // guarded by this

    public SluiceEnricher(HttpClient http, ClientCredentials tokens, Options options) {
        this.http = http;
        this.tokens = tokens;
        this.o = options;
        this.endpoint = URI.create(options.baseUrl.replaceAll("/+$", "") + "/chat/completions");
    }

    /** An HTTP client fit for the gateway: HTTP/1.1 keep-alive (no h2c upgrade), a short connect timeout. */
    public static HttpClient defaultHttpClient() {
        return HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5)).build();
    }

    /** Enrich one record. {@code key} must be stable for the record (e.g. topic-partition-offset or a primary key). */
    public CompletableFuture<Result> enrich(String key, String text) {
        Call c = new Call(key, text);
        schedule(() -> attempt(c));
        return c.result;
    }

    private final class Call {
        final String key;
        final String body;
        final CompletableFuture<Result> result = new CompletableFuture<>();
        int attempts;
        boolean refreshed;

        Call(String key, String text) {
            this.key = key;
            Map<String, Object> req = new LinkedHashMap<>();
            req.put("model", o.model);
            req.put("temperature", 0);
            req.put("max_tokens", o.maxTokens);
            req.put("messages", List.of(Map.of("role", "system", "content", o.systemPrompt), Map.of("role", "user", "content", text)));
            // Built once: every retry sends the identical body (what Sluice's approval de-duplication compares).
            this.body = Json.stringify(req);
        }
    }

    /** Runs {@code task} when a slot is free; each task calls {@link #release} exactly once when its call ends. */
    private void schedule(Runnable task) {
        synchronized (this) {
            if (running >= o.maxInFlight) {
                queue.add(task);
                return;
            }
            running++;
            stats.maxInFlightSeen.accumulateAndGet(running, Math::max);
        }
        task.run();
    }

    private void release() {
        Runnable next;
        synchronized (this) {
            next = queue.poll();
            if (next == null) {
                running--;
                return;
            }
        }
        next.run(); // the slot passes straight to the next waiting call
    }

    private void attempt(Call c) {
        c.attempts++;
        stats.attempts.incrementAndGet();
        tokens.token().whenComplete((token, tokenError) -> {
            if (tokenError != null) {
                // The IdP is down or refused us: back off like any transient failure.
                retryOrFail(c, null, 0, "token_error", cause(tokenError).getMessage());
                return;
            }
            HttpRequest.Builder b = HttpRequest.newBuilder(endpoint)
                    .timeout(o.requestTimeout)
                    .header("Authorization", "Bearer " + token)
                    .header("Content-Type", "application/json")
                    .header("Idempotency-Key", c.key)
                    .header("x-request-id", requestId(c))
                    .POST(HttpRequest.BodyPublishers.ofString(c.body));
            if (o.session != null) b.header("x-sluice-session", o.session);
            http.sendAsync(b.build(), HttpResponse.BodyHandlers.ofString()).whenComplete((res, err) -> {
                if (err != null) {
                    Throwable e = cause(err);
                    retryOrFail(c, null, 0, e instanceof HttpTimeoutException ? "timeout" : "network_error", String.valueOf(e.getMessage()));
                } else onResponse(c, token, res);
            });
        });
    }

    private void onResponse(Call c, String token, HttpResponse<String> res) {
        int s = res.statusCode();
        Object json;
        try {
            json = Json.parse(res.body());
        } catch (IllegalArgumentException e) {
            json = null;
        }
        if (s == 200) {
            Object content = Json.at(firstChoice(json), "message", "content");
            Object total = Json.at(json, "usage", "total_tokens");
            finish(c, new Result(c.key, true, content == null ? "" : content.toString(), s, null, null, c.attempts, total instanceof Number n ? n.longValue() : 0));
            return;
        }
        String code = errorCode(json, s);
        String message = String.valueOf(Json.at(json, "error", "message"));
        if (s == 401 && !c.refreshed) {
            // Revoked, or expired early: one fresh token, one more try. A second 401 is final.
            c.refreshed = true;
            tokens.invalidate(token);
            stats.refreshedAfter401.incrementAndGet();
            attempt(c);
            return;
        }
        if (RETRYABLE.contains(s)) {
            retryOrFail(c, retryAfter(res), s, code, message);
            return;
        }
        // 400 (bad record), 403 (blocked by policy, approval denied or required), 404, 413: retrying cannot help.
        finish(c, new Result(c.key, false, null, s, code, message, c.attempts, 0));
    }

    private void retryOrFail(Call c, Duration retryAfter, int status, String code, String message) {
        if (c.attempts >= o.maxAttempts) {
            finish(c, new Result(c.key, false, null, status, code, message, c.attempts, 0));
            return;
        }
        if (retryAfter != null && retryAfter.compareTo(o.maxRetryAfter) > 0) {
            finish(c, new Result(c.key, false, null, status, code, "retry-after " + retryAfter.toSeconds() + " s exceeds maxRetryAfter: " + message, c.attempts, 0));
            return;
        }
        long delay;
        if (retryAfter != null) {
            // What the server asked for, plus a little jitter so parked records do not return all at once.
            delay = retryAfter.toMillis() + ThreadLocalRandom.current().nextLong(0, 250);
        } else {
            long cap = Math.min(o.maxBackoff.toMillis(), o.baseBackoff.toMillis() << Math.min(c.attempts - 1, 20));
            delay = cap / 2 + ThreadLocalRandom.current().nextLong(0, cap / 2 + 1); // "equal jitter"
        }
        stats.retries.incrementAndGet();
        // The slot stays taken while waiting: retries must not let more calls through than maxInFlight.
        CompletableFuture.delayedExecutor(delay, TimeUnit.MILLISECONDS).execute(() -> attempt(c));
    }

    private void finish(Call c, Result r) {
        release();
        c.result.complete(r);
    }

    private static String requestId(Call c) {
        // x-request-id is echoed back and recorded in the audit trail; Sluice accepts [A-Za-z0-9._:-]{1,128}.
        String safe = c.key.replaceAll("[^A-Za-z0-9._:-]", "_");
        return (safe.length() > 120 ? safe.substring(0, 120) : safe) + ".a" + c.attempts;
    }

    private static Object firstChoice(Object json) {
        return Json.at(json, "choices") instanceof List<?> l && !l.isEmpty() ? l.get(0) : null;
    }

    /** OpenAI-shaped errors carry {@code error.code} (Sluice's SLUICE_* codes included) or {@code error.type}. */
    private static String errorCode(Object json, int status) {
        Object code = Json.at(json, "error", "code");
        if (code == null) code = Json.at(json, "error", "type");
        return code == null ? "http_" + status : code.toString();
    }

    /** {@code retry-after}: delay-seconds or an HTTP-date (RFC 9110 §10.2.3); {@code retry-after-ms} wins. */
    static Duration retryAfter(HttpResponse<?> res) {
        var ms = res.headers().firstValue("retry-after-ms");
        if (ms.isPresent()) {
            try {
                return Duration.ofMillis((long) Double.parseDouble(ms.get()));
            } catch (NumberFormatException ignored) {
                // fall through to retry-after
            }
        }
        var v = res.headers().firstValue("retry-after");
        if (v.isEmpty()) return null;
        try {
            return Duration.ofSeconds(Math.max(0, Long.parseLong(v.get().trim())));
        } catch (NumberFormatException e) {
            try {
                long at = ZonedDateTime.parse(v.get().trim(), DateTimeFormatter.RFC_1123_DATE_TIME).toInstant().toEpochMilli();
                return Duration.ofMillis(Math.max(0, at - System.currentTimeMillis()));
            } catch (RuntimeException ignored) {
                return null;
            }
        }
    }

    private static Throwable cause(Throwable t) {
        while ((t instanceof java.util.concurrent.CompletionException || t instanceof java.util.concurrent.ExecutionException) && t.getCause() != null) t = t.getCause();
        return t;
    }
}
