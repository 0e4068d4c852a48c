package sluice.examples;

import java.io.BufferedWriter;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;

/**
 * Enriches support tickets (JSONL) through Sluice the way a Flink or Spark task would: a bounded number of
 * records outstanding (Flink's AsyncDataStream capacity; here a semaphore that stops reading input when full),
 * one {@link SluiceEnricher} shared by the task, results and failures written per record.
 *
 * <p>Settings from the environment: SLUICE_URL (http://127.0.0.1:8080), SLUICE_TOKEN_URL
 * ($SLUICE_URL/sluice/demo/token), SLUICE_CLIENT_ID / SLUICE_CLIENT_SECRET (the demo's flink-enrichment client),
 * SLUICE_TOKEN_SCOPE, SLUICE_SESSION, INPUT (tickets.jsonl), OUTPUT (./out), CAPACITY (32).
 */
public final class EnrichmentDemo {
    public static void main(String[] args) throws Exception {
        Map<String, String> env = System.getenv();
        String url = env.getOrDefault("SLUICE_URL", "http://127.0.0.1:8080").replaceAll("/+$", "");
        Path input = Path.of(env.getOrDefault("INPUT", Path.of(dirOfExample(), "tickets.jsonl").toString()));
        Path out = Path.of(env.getOrDefault("OUTPUT", "out"));
        int capacity = Integer.parseInt(env.getOrDefault("CAPACITY", "32"));

        HttpClient http = SluiceEnricher.defaultHttpClient();
        ClientCredentials tokens = new ClientCredentials(http,
                URI.create(env.getOrDefault("SLUICE_TOKEN_URL", url + "/sluice/demo/token")),
                env.getOrDefault("SLUICE_CLIENT_ID", "flink-enrichment"),
                env.getOrDefault("SLUICE_CLIENT_SECRET", "demo-flink-enrichment-secret"),
                env.get("SLUICE_TOKEN_SCOPE"));
        SluiceEnricher.Options o = new SluiceEnricher.Options();
        o.baseUrl = url + "/v1";
        o.session = env.getOrDefault("SLUICE_SESSION", "flink-enrichment-" + UUID.randomUUID().toString().substring(0, 8));
        o.maxInFlight = 8;
        SluiceEnricher enricher = new SluiceEnricher(http, tokens, o);

        Files.createDirectories(out);
        Semaphore outstanding = new Semaphore(capacity);
        List<CompletableFuture<Void>> all = new ArrayList<>();
        int[] counts = new int[2];
        long t0 = System.nanoTime();
        try (BufferedWriter results = Files.newBufferedWriter(out.resolve("enriched.jsonl"));
             BufferedWriter failures = Files.newBufferedWriter(out.resolve("failed.jsonl"))) {
            for (String line : Files.readAllLines(input)) {
                if (line.isBlank()) continue;
                Object ticket = Json.parse(line);
                String id = String.valueOf(Json.at(ticket, "id"));
                outstanding.acquire(); // backpressure: stop reading while `capacity` records are outstanding
                all.add(enricher.enrich("ticket-" + id, "Ticket " + id + ": " + Json.at(ticket, "text")).thenAccept(r -> {
                    outstanding.release();
                    write(r.ok() ? results : failures, r, counts);
                }));
            }
            CompletableFuture.allOf(all.toArray(CompletableFuture[]::new)).join();
        }
        double seconds = (System.nanoTime() - t0) / 1e9;

        System.out.printf("%d tickets in %.2f s: %d enriched, %d failed (see %s)%n", all.size(), seconds, counts[0], counts[1], out.resolve("failed.jsonl"));
        System.out.printf("attempts %d, retries %d, at most %d calls in flight, tokens fetched %d, refreshed after a 401: %d%n",
                enricher.stats.attempts.get(), enricher.stats.retries.get(), enricher.stats.maxInFlightSeen.get(), tokens.fetched.get(), enricher.stats.refreshedAfter401.get());
        List<String> head = Files.readAllLines(out.resolve("enriched.jsonl"));
        for (String l : head.subList(0, Math.min(3, head.size()))) System.out.println("  " + l);
        for (String l : Files.readAllLines(out.resolve("failed.jsonl"))) System.out.println("  failed: " + l);
        Map<String, Object> result = new LinkedHashMap<>();
        result.put("sessions", List.of(o.session));
        result.put("ok", counts[0]);
        result.put("failed", counts[1]);
        result.put("retries", enricher.stats.retries.get());
        result.put("tokensFetched", tokens.fetched.get());
        result.put("maxInFlight", enricher.stats.maxInFlightSeen.get());
        System.out.println("RESULT " + Json.stringify(result));
    }

    private static synchronized void write(BufferedWriter w, SluiceEnricher.Result r, int[] counts) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("key", r.key());
        if (r.ok()) {
            m.put("enrichment", r.output());
            m.put("tokens", r.totalTokens());
        } else {
            m.put("status", r.status());
            m.put("code", r.errorCode());
            m.put("message", r.errorMessage());
        }
        m.put("attempts", r.attempts());
        try {
            w.write(Json.stringify(m));
            w.newLine();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        counts[r.ok() ? 0 : 1]++;
    }

    private static String dirOfExample() {
        return System.getProperty("sluice.example.dir", "examples/java-async");
    }
}
