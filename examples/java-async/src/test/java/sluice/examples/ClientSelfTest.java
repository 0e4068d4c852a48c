package sluice.examples;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Checks the client's promises against a local stand-in for an IdP and a gateway (JDK HttpServer, no test
 * library): refresh before expiry, one refresh for many waiters, one refresh after a 401, retry-after honoured,
 * no retry of a bad record, the same idempotency key on every attempt, and the in-flight bound.
 * Run: java -cp classes sluice.examples.ClientSelfTest (exit 1 on the first broken promise).
 */
public final class ClientSelfTest {
    private static final AtomicInteger tokenCalls = new AtomicInteger();
    private static volatile long expiresIn = 300;
    private static final Set<String> revoked = ConcurrentHashMap.newKeySet();
    private static final Map<String, List<String>> attemptsByKey = new ConcurrentHashMap<>();
    private static final AtomicInteger concurrent = new AtomicInteger();
    private static final AtomicInteger maxConcurrent = new AtomicInteger();
    private static int checks;

    public static void main(String[] args) throws Exception {
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.setExecutor(Executors.newCachedThreadPool());
        server.createContext("/token", ClientSelfTest::token);
        server.createContext("/v1/chat/completions", ClientSelfTest::chat);
        server.start();
        String base = "http://127.0.0.1:" + server.getAddress().getPort();
        try {
            run(base);
            System.out.println("ClientSelfTest: " + checks + " checks passed");
        } finally {
            server.stop(0);
        }
        System.exit(0);
    }

    private static void run(String base) throws Exception {
        HttpClient http = SluiceEnricher.defaultHttpClient();
        URI tokenUrl = URI.create(base + "/token");

        // Refresh before expiry, on the client's clock: a 300 s token is reused until 240 s, then replaced.
        AtomicLong now = new AtomicLong(1_000_000);
        ClientCredentials clocked = new ClientCredentials(http, tokenUrl, "job", "s3cret:with+odd chars", null, now::get);
        String first = clocked.token().join();
        now.addAndGet(239_000);
        check("token reused inside its lifetime", clocked.token().join().equals(first) && tokenCalls.get() == 1);
        now.addAndGet(2_000);
        check("token refreshed within the margin (241 s of 300)", !clocked.token().join().equals(first) && tokenCalls.get() == 2);
        check("margin is a fifth of the lifetime, at most a minute", ClientCredentials.refreshMarginMillis(300_000) == 60_000 && ClientCredentials.refreshMarginMillis(10_000) == 2_000 && ClientCredentials.refreshMarginMillis(3_600_000) == 60_000);

        // Many waiters, one fetch.
        now.addAndGet(400_000);
        int before = tokenCalls.get();
        List<CompletableFuture<String>> waiters = new ArrayList<>();
        for (int i = 0; i < 50; i++) waiters.add(clocked.token());
        CompletableFuture.allOf(waiters.toArray(CompletableFuture[]::new)).join();
        check("50 concurrent callers share one refresh", tokenCalls.get() == before + 1);

        ClientCredentials tokens = new ClientCredentials(http, tokenUrl, "job", "s3cret:with+odd chars", null);
        SluiceEnricher.Options o = new SluiceEnricher.Options();
        o.baseUrl = base + "/v1";
        o.session = "selftest";
        o.maxInFlight = 4;
        o.maxAttempts = 3;
        o.baseBackoff = Duration.ofMillis(20);
        o.maxBackoff = Duration.ofMillis(80);
        SluiceEnricher enricher = new SluiceEnricher(http, tokens, o);

        SluiceEnricher.Result ok = enricher.enrich("plain-1", "hello").join();
        check("a plain call succeeds", ok.ok() && ok.output().equals("echo: hello") && ok.attempts() == 1 && ok.totalTokens() == 7);

        // The gateway stops accepting the cached token (revoked): one refresh, one more try, success.
        revoked.add(tokens.token().join());
        int fetchedBefore = tokens.fetched.get();
        SluiceEnricher.Result after401 = enricher.enrich("revoked-1", "hello").join();
        check("a 401 refreshes the token once and the record succeeds", after401.ok() && tokens.fetched.get() == fetchedBefore + 1 && enricher.stats.refreshedAfter401.get() == 1);

        SluiceEnricher.Result always401 = enricher.enrich("always401-1", "hello").join();
        check("a second 401 is final (no refresh loop)", !always401.ok() && always401.status() == 401 && enricher.stats.refreshedAfter401.get() == 2);

        long t0 = System.nanoTime();
        SluiceEnricher.Result limited = enricher.enrich("ratelimited-1", "hello").join();
        long waitedMs = (System.nanoTime() - t0) / 1_000_000;
        check("429 with retry-after: 1 is retried after at least a second", limited.ok() && limited.attempts() == 2 && waitedMs >= 1000);
        List<String> keys = attemptsByKey.get("ratelimited-1");
        check("every attempt carries the same Idempotency-Key and its own x-request-id", keys.size() == 2 && keys.get(0).equals("ratelimited-1.a1") && keys.get(1).equals("ratelimited-1.a2"));

        SluiceEnricher.Result down = enricher.enrich("unavailable-1", "hello").join();
        check("503 is retried up to maxAttempts, then the record fails with the last status", !down.ok() && down.status() == 503 && down.attempts() == 3 && "SLUICE_INSPECTION_FAILED".equals(down.errorCode()));

        SluiceEnricher.Result bad = enricher.enrich("badrecord-1", "hello").join();
        check("400 is not retried and names the provider's code", !bad.ok() && bad.status() == 400 && bad.attempts() == 1 && "context_length_exceeded".equals(bad.errorCode()));

        SluiceEnricher.Result blocked = enricher.enrich("blocked-1", "hello").join();
        check("403 from policy is not retried", !blocked.ok() && blocked.status() == 403 && blocked.attempts() == 1 && "SLUICE_POLICY_BLOCKED".equals(blocked.errorCode()));

        SluiceEnricher.Result quota = enricher.enrich("quota-1", "hello").join();
        check("a retry-after beyond maxRetryAfter fails the record instead of parking it", !quota.ok() && quota.status() == 429 && quota.attempts() == 1);

        List<CompletableFuture<SluiceEnricher.Result>> many = new ArrayList<>();
        for (int i = 0; i < 24; i++) many.add(enricher.enrich("slow-" + i, "x"));
        boolean allOk = many.stream().map(CompletableFuture::join).allMatch(SluiceEnricher.Result::ok);
        check("24 slow calls never exceed maxInFlight = 4 at the server, and all finish", allOk && maxConcurrent.get() == 4 && enricher.stats.maxInFlightSeen.get() == 4);
    }

    private static void check(String what, boolean ok) {
        checks++;
        if (!ok) {
            System.out.println("FAILED: " + what);
            System.exit(1);
        }
        System.out.println("ok - " + what);
    }

    private static void token(HttpExchange x) throws IOException {
        String auth = x.getRequestHeaders().getFirst("Authorization");
        String body = new String(x.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
        // Basic credentials are form-encoded before Base64 (RFC 6749 §2.3.1).
        String want = "Basic " + java.util.Base64.getEncoder().encodeToString("job:s3cret%3Awith%2Bodd+chars".getBytes(StandardCharsets.UTF_8));
        if (!want.equals(auth) || !body.equals("grant_type=client_credentials")) {
            send(x, 401, "{\"error\":\"invalid_client\",\"error_description\":\"bad credentials\"}", Map.of());
            return;
        }
        int n = tokenCalls.incrementAndGet();
        send(x, 200, "{\"access_token\":\"tok-" + n + "\",\"token_type\":\"Bearer\",\"expires_in\":" + expiresIn + "}", Map.of());
    }

    private static void chat(HttpExchange x) throws IOException {
        String key = x.getRequestHeaders().getFirst("Idempotency-Key");
        String token = x.getRequestHeaders().getFirst("Authorization").substring("Bearer ".length());
        attemptsByKey.computeIfAbsent(key, k -> new CopyOnWriteArrayList<>()).add(x.getRequestHeaders().getFirst("x-request-id"));
        Object req = Json.parse(new String(x.getRequestBody().readAllBytes(), StandardCharsets.UTF_8));
        String text = String.valueOf(Json.at(((List<?>) Json.at(req, "messages")).get(1), "content"));
        int seen = attemptsByKey.get(key).size();
        if (revoked.contains(token) || key.startsWith("always401")) {
            send(x, 401, err("Token is no longer valid", "SLUICE_AUTH_INVALID"), Map.of());
        } else if (key.startsWith("ratelimited") && seen == 1) {
            send(x, 429, err("Rate limit", "rate_limit_exceeded"), Map.of("retry-after", "1"));
        } else if (key.startsWith("unavailable")) {
            send(x, 503, err("Request inspection failed", "SLUICE_INSPECTION_FAILED"), Map.of());
        } else if (key.startsWith("badrecord")) {
            send(x, 400, err("Too long", "context_length_exceeded"), Map.of());
        } else if (key.startsWith("blocked")) {
            send(x, 403, err("Blocked by policy rule x", "SLUICE_POLICY_BLOCKED"), Map.of());
        } else if (key.startsWith("quota")) {
            send(x, 429, err("Quota exceeded", "SLUICE_QUOTA_EXCEEDED"), Map.of("retry-after", "3600"));
        } else {
            int c = concurrent.incrementAndGet();
            maxConcurrent.accumulateAndGet(c, Math::max);
            try {
                if (key.startsWith("slow")) Thread.sleep(60);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } finally {
                concurrent.decrementAndGet();
            }
            send(x, 200, "{\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":" + Json.stringify("echo: " + text) + "}}],\"usage\":{\"total_tokens\":7}}", Map.of());
        }
    }

    private static String err(String message, String code) {
        return "{\"error\":{\"message\":" + Json.stringify(message) + ",\"type\":\"x\",\"code\":\"" + code + "\"}}";
    }

    private static void send(HttpExchange x, int status, String body, Map<String, String> headers) throws IOException {
        byte[] b = body.getBytes(StandardCharsets.UTF_8);
        x.getResponseHeaders().set("Content-Type", "application/json");
        headers.forEach((k, v) -> x.getResponseHeaders().set(k, v));
        x.sendResponseHeaders(status, b.length);
        x.getResponseBody().write(b);
        x.close();
    }
}
