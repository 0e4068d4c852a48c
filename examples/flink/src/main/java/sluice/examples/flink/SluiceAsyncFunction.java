package sluice.examples.flink;

import java.io.Serial;
import java.net.URI;
import java.net.http.HttpClient;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.streaming.api.functions.async.ResultFuture;
import org.apache.flink.streaming.api.functions.async.RichAsyncFunction;
import sluice.examples.ClientCredentials;
import sluice.examples.Json;
import sluice.examples.SluiceEnricher;

/**
 * A Flink {@code AsyncFunction} over the java-async example's {@link SluiceEnricher}: everything that talks to
 * Sluice (token refresh, one refresh after a 401, bounded concurrency, retries honouring {@code retry-after}, an
 * idempotency key per record) lives in that tested client; this class only maps Flink's calls onto it.
 *
 * <p>Input: one ticket as a JSON line ({@code {"id": …, "text": …}}). Output: one JSON line per ticket, enriched
 * or failed ({@code "ok": false} with the status and Sluice's or the provider's error code), so a refused record
 * becomes data for a dead-letter sink instead of a job failure and restart.
 */
public final class SluiceAsyncFunction extends RichAsyncFunction<String, String> {
    @Serial
    private static final long serialVersionUID = 1L;

    /** Plain settings: serialized with the function and shipped to every task manager (no secret in the job graph: see open()). */
    public static final class Settings implements java.io.Serializable {
        @Serial
        private static final long serialVersionUID = 1L;
        public String url = "http://127.0.0.1:8080";
        public String tokenUrl;
        public String clientId = "flink-enrichment";
        public String scope;
        public String session;
        /** Calls in flight per subtask; keep it at or below the operator's capacity. */
        public int maxInFlight = 8;
        /** Per attempt: longer than any approval hold your policy places on this job. */
        public Duration requestTimeout = Duration.ofMinutes(2);
        public int maxAttempts = 4;
    }

    private final Settings settings;
    private transient SluiceEnricher enricher;

    public SluiceAsyncFunction(Settings settings) {
        this.settings = settings;
    }

    @Override
    public void open(OpenContext context) {
        // The secret is read on the task manager (env var from your secret store), never serialized into the job.
        String secret = System.getenv("SLUICE_CLIENT_SECRET");
        if (secret == null || secret.isEmpty()) throw new IllegalStateException("SLUICE_CLIENT_SECRET is not set on this task manager");
        HttpClient http = SluiceEnricher.defaultHttpClient();
        String url = settings.url.replaceAll("/+$", "");
        ClientCredentials tokens = new ClientCredentials(http,
                URI.create(settings.tokenUrl != null ? settings.tokenUrl : url + "/sluice/demo/token"),
                settings.clientId, secret, settings.scope);
        SluiceEnricher.Options o = new SluiceEnricher.Options();
        o.baseUrl = url + "/v1";
        o.session = settings.session;
        o.maxInFlight = settings.maxInFlight;
        o.requestTimeout = settings.requestTimeout;
        o.maxAttempts = settings.maxAttempts;
        enricher = new SluiceEnricher(http, tokens, o);
    }

    @Override
    public void asyncInvoke(String line, ResultFuture<String> out) {
        Object ticket = Json.parse(line);
        String id = String.valueOf(Json.at(ticket, "id"));
        // The key must be stable across Flink restarts (a replayed record is the same request to Sluice).
        enricher.enrich("ticket-" + id, "Ticket " + id + ": " + Json.at(ticket, "text"))
                .thenAccept(r -> out.complete(List.of(toJson(r))));
    }

    /** The operator's timeout fired first: emit a failed record rather than fail the job (Flink's default). */
    @Override
    public void timeout(String line, ResultFuture<String> out) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("key", "ticket-" + Json.at(Json.parse(line), "id"));
        m.put("ok", false);
        m.put("code", "flink_async_timeout");
        out.complete(List.of(Json.stringify(m)));
    }

    static String toJson(SluiceEnricher.Result r) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("key", r.key());
        m.put("ok", r.ok());
        if (r.ok()) {
            m.put("enrichment", r.output());
            m.put("tokens", r.totalTokens());
        } else {
            m.put("status", r.status());
            m.put("code", r.errorCode());
            m.put("message", r.errorMessage());
        }
        m.put("attempts", r.attempts());
        return Json.stringify(m);
    }
}
