package sluice.examples.flink;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.apache.flink.streaming.api.datastream.AsyncDataStream;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.util.CloseableIterator;
import sluice.examples.Json;

/**
 * A Flink DataStream job that enriches support tickets through Sluice with {@code AsyncDataStream.unorderedWait}.
 * The source is the java-async example's tickets.jsonl (swap in a KafkaSource); results are collected and written
 * to OUTPUT/enriched.jsonl and OUTPUT/failed.jsonl (swap in a sink).
 *
 * <p>Environment: SLUICE_URL, SLUICE_TOKEN_URL, SLUICE_CLIENT_ID, SLUICE_CLIENT_SECRET, SLUICE_SESSION, INPUT,
 * OUTPUT, PARALLELISM (2), CAPACITY (8 per subtask).
 */
public final class EnrichmentJob {
    public static void main(String[] args) throws Exception {
        Map<String, String> env = System.getenv();
        Path input = Path.of(env.getOrDefault("INPUT", "../java-async/tickets.jsonl"));
        Path out = Path.of(env.getOrDefault("OUTPUT", "out"));
        int parallelism = Integer.parseInt(env.getOrDefault("PARALLELISM", "2"));
        int capacity = Integer.parseInt(env.getOrDefault("CAPACITY", "8"));

        SluiceAsyncFunction.Settings s = new SluiceAsyncFunction.Settings();
        s.url = env.getOrDefault("SLUICE_URL", s.url);
        s.tokenUrl = env.get("SLUICE_TOKEN_URL");
        s.clientId = env.getOrDefault("SLUICE_CLIENT_ID", s.clientId);
        s.scope = env.get("SLUICE_TOKEN_SCOPE");
        s.session = env.getOrDefault("SLUICE_SESSION", "flink-enrichment-" + UUID.randomUUID().toString().substring(0, 8));
        s.maxInFlight = capacity;

        StreamExecutionEnvironment flink = StreamExecutionEnvironment.getExecutionEnvironment();
        flink.setParallelism(parallelism);
        List<String> lines = Files.readAllLines(input).stream().filter(l -> !l.isBlank()).toList();
        DataStream<String> tickets = flink.fromData(lines);
        // The operator's timeout covers every attempt of a record: attempts x per-attempt timeout, plus backoff.
        long timeoutMs = s.maxAttempts * s.requestTimeout.toMillis() + 30_000;
        DataStream<String> results = AsyncDataStream.unorderedWait(tickets, new SluiceAsyncFunction(s), timeoutMs, TimeUnit.MILLISECONDS, capacity);

        List<String> ok = new ArrayList<>();
        List<String> failed = new ArrayList<>();
        try (CloseableIterator<String> it = results.executeAndCollect("sluice-enrichment")) {
            while (it.hasNext()) {
                String r = it.next();
                (Boolean.TRUE.equals(Json.at(Json.parse(r), "ok")) ? ok : failed).add(r);
            }
        }
        Files.createDirectories(out);
        Files.write(out.resolve("enriched.jsonl"), ok);
        Files.write(out.resolve("failed.jsonl"), failed);
        System.out.printf("%d tickets: %d enriched, %d failed (parallelism %d, capacity %d per subtask)%n", lines.size(), ok.size(), failed.size(), parallelism, capacity);
        for (String l : ok.subList(0, Math.min(3, ok.size()))) System.out.println("  " + l);
        for (String l : failed) System.out.println("  failed: " + l);
        Map<String, Object> result = new LinkedHashMap<>();
        result.put("sessions", List.of(s.session));
        result.put("ok", ok.size());
        result.put("failed", failed.size());
        System.out.println("RESULT " + Json.stringify(result));
    }
}
