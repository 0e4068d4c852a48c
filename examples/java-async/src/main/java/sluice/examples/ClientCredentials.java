package sluice.examples;

import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.LongSupplier;

/**
 * OAuth2 client_credentials (RFC 6749 §4.4) for a job: fetches an access token from the IdP's token endpoint
 * (Keycloak, Okta, Entra ID, Auth0, or Sluice's demo issuer), caches it, and refreshes it before it expires,
 * one refresh at a time however many requests are waiting. {@link #invalidate} drops a token the gateway
 * refused (401) so the next {@link #token()} fetches a new one. Thread-safe; one instance per task manager /
 * executor JVM is enough.
 */
public final class ClientCredentials {
    /** Refresh this long before expiry: a fifth of the lifetime, at most a minute. */
    public static long refreshMarginMillis(long lifetimeMillis) {
        return Math.min(60_000L, lifetimeMillis / 5);
    }

    private record Token(String value, long refreshAt, long expiresAt) {}

    private final HttpClient http;
    private final URI tokenUrl;
    private final String basicAuth;
    private final String scope;
    private final LongSupplier clock;
    private volatile Token current;
    private CompletableFuture<String> inflight; // guarded by this
    /** Tokens fetched from the IdP. */
    public final AtomicInteger fetched = new AtomicInteger();

    public ClientCredentials(HttpClient http, URI tokenUrl, String clientId, String clientSecret, String scope) {
        this(http, tokenUrl, clientId, clientSecret, scope, System::currentTimeMillis);
    }

    /** {@code clock}: milliseconds, injectable for tests. */
    public ClientCredentials(HttpClient http, URI tokenUrl, String clientId, String clientSecret, String scope, LongSupplier clock) {
        this.http = http;
        this.tokenUrl = tokenUrl;
        // RFC 6749 §2.3.1: id and secret are form-encoded before Base64.
        String pair = form(clientId) + ":" + form(clientSecret);
        this.basicAuth = "Basic " + Base64.getEncoder().encodeToString(pair.getBytes(StandardCharsets.UTF_8));
        this.scope = scope;
        this.clock = clock;
    }

    /** A valid access token: the cached one, or a fresh one once the cached one is within its refresh margin. */
    public CompletableFuture<String> token() {
        Token t = current;
        if (t != null && clock.getAsLong() < t.refreshAt) return CompletableFuture.completedFuture(t.value);
        synchronized (this) {
            t = current;
            if (t != null && clock.getAsLong() < t.refreshAt) return CompletableFuture.completedFuture(t.value);
            if (inflight == null || inflight.isDone()) inflight = fetch();
            return inflight;
        }
    }

    /** Forget {@code token} if it is still the cached one (the gateway answered 401 to it). */
    public synchronized void invalidate(String token) {
        Token t = current;
        if (t != null && t.value.equals(token)) current = null;
    }

    private CompletableFuture<String> fetch() {
        String body = "grant_type=client_credentials" + (scope == null || scope.isEmpty() ? "" : "&scope=" + form(scope));
        HttpRequest req = HttpRequest.newBuilder(tokenUrl)
                .timeout(Duration.ofSeconds(10))
                .header("Authorization", basicAuth)
                .header("Content-Type", "application/x-www-form-urlencoded")
                .header("Accept", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body))
                .build();
        long started = clock.getAsLong();
        return http.sendAsync(req, HttpResponse.BodyHandlers.ofString()).thenApply(res -> {
            Object json;
            try {
                json = Json.parse(res.body());
            } catch (IllegalArgumentException e) {
                json = null;
            }
            Object token = Json.at(json, "access_token");
            if (res.statusCode() != 200 || !(token instanceof String)) {
                // RFC 6749 §5.2 error fields; never the secret.
                throw new TokenException("token request failed: HTTP " + res.statusCode() + " " + Json.at(json, "error") + ": " + Json.at(json, "error_description"));
            }
            Object expiresIn = Json.at(json, "expires_in");
            long lifetime = (expiresIn instanceof Number n && n.longValue() > 0 ? n.longValue() : 300L) * 1000L;
            // Counted from when we asked, on our own clock: immune to clock skew between us and the IdP.
            current = new Token((String) token, started + lifetime - refreshMarginMillis(lifetime), started + lifetime);
            fetched.incrementAndGet();
            return (String) token;
        });
    }

    private static String form(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }

    public static final class TokenException extends RuntimeException {
        private static final long serialVersionUID = 1L;

        public TokenException(String message) {
            super(message);
        }
    }
}
