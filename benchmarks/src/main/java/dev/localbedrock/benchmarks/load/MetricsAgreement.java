package dev.localbedrock.benchmarks.load;

import java.net.URI;
import java.net.http.HttpClient;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * Whether a running server's {@code /metrics} tells the truth about a load run: {@code /metrics} is scraped before
 * and after each measured level (the warm-up runs before the first scrape, so both sides see the same requests), and
 * <ul>
 *   <li>the counters must move by exactly what the harness sent: invocations by the requests made, output tokens by
 *   the tokens the successful ones received, input tokens by their prompt tokens;</li>
 *   <li>the latency histograms, read as PromQL's {@code histogram_quantile} over the scrapes' difference, are set
 *   beside the harness's own percentiles: whole-request latency, time to first token and inter-token latency.</li>
 * </ul>
 * The harness measures at the client (send to last byte), the server from arrival to its last write, so the two
 * differ by the loopback round trip as well as by the histogram's bucket interpolation.
 */
public final class MetricsAgreement {
    /** How far apart a quantile may be, as a fraction of the harness's figure. */
    public static final double TOLERANCE = 0.10;

    /**
     * One quantile of one latency, both sides, in milliseconds. {@code checked} is false for the scheduler's time to
     * first token, which starts at the scheduler's submission (after the body is decoded and the prompt tokenized)
     * where the harness starts at its send: a different interval, shown beside it but not held to the tolerance.
     */
    public record Quantile(String metric, String quantile, double harnessMs, double metricsMs, boolean checked) {
        public double ratio() {
            return metricsMs / harnessMs;
        }

        public boolean agrees() {
            return !checked || Math.abs(ratio() - 1) <= TOLERANCE;
        }
    }

    /** One counter: how much the harness expected it to move, and how much it moved. */
    public record CounterCheck(String metric, double expected, double moved) {
        public boolean exact() {
            return expected == moved;
        }
    }

    /** One level's comparison. */
    public record Level(int concurrency, RunResult result, List<CounterCheck> counters, List<Quantile> quantiles) {
        public boolean agrees() {
            return counters.stream().allMatch(CounterCheck::exact) && quantiles.stream().allMatch(Quantile::agrees);
        }
    }

    private final URI endpoint;
    private final String metricsModelId;
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    /**
     * @param endpoint the server
     * @param metricsModelId the {@code model_id} label of the served model the requests reach (its catalogue id)
     */
    public MetricsAgreement(URI endpoint, String metricsModelId) {
        this.endpoint = endpoint;
        this.metricsModelId = metricsModelId;
    }

    /** Runs one level against {@code target}, scraping around the measured requests. */
    public Level run(LoadTarget target, int concurrency, Workload w) throws Exception {
        if (w.warmup() > 0) {
            LoadRunner.run(target, 1, new Workload(w.prompt(), w.promptTokens(), w.outputTokens(), w.stream(),
                    w.warmup(), 0, w.maxDuration()));
        }
        Workload measured = new Workload(w.prompt(), w.promptTokens(), w.outputTokens(), w.stream(), w.requests(), 0,
                w.maxDuration());
        PrometheusScrape before = PrometheusScrape.fetch(http, endpoint);
        RunResult r = LoadRunner.run(target, concurrency, measured);
        PrometheusScrape after = PrometheusScrape.fetch(http, endpoint);
        Map<String, String> model = Map.of("model_id", metricsModelId);
        int sent = r.ok() + r.errors().values().stream().mapToInt(Integer::intValue).sum();
        List<CounterCheck> counters = List.of(
                counter("bedrock_invocations_total", sent, before, after, model),
                counter("bedrock_output_tokens_total", r.outputTokens(), before, after, model),
                counter("bedrock_input_tokens_total", (double) r.ok() * w.promptTokens(), before, after, model));
        List<Quantile> quantiles = new ArrayList<>();
        quantiles(quantiles, "latency", "bedrock_invocation_latency_seconds", r.latencyMillis(), before, after, model,
                true);
        if (w.stream()) {
            quantiles(quantiles, "TTFT", "bedrock_scheduler_time_to_first_token_seconds", r.ttftMillis(), before,
                    after, model, false);
            quantiles(quantiles, "ITL", "bedrock_scheduler_inter_token_latency_seconds", r.itlMillis(), before,
                    after, model, true);
        }
        return new Level(concurrency, r, counters, quantiles);
    }

    private static CounterCheck counter(String name, double expected, PrometheusScrape before,
                                        PrometheusScrape after, Map<String, String> labels) {
        return new CounterCheck(name, expected, after.value(name, labels) - before.value(name, labels));
    }

    private static void quantiles(List<Quantile> into, String metric, String histogram, Percentiles harness,
                                  PrometheusScrape before, PrometheusScrape after, Map<String, String> labels,
                                  boolean checked) {
        TreeMap<Double, Double> d = HistogramQuantile.increase(before.buckets(histogram, labels),
                after.buckets(histogram, labels));
        into.add(new Quantile(metric, "p50", harness.p50(), 1000 * HistogramQuantile.of(0.50, d), checked));
        into.add(new Quantile(metric, "p90", harness.p90(), 1000 * HistogramQuantile.of(0.90, d), checked));
        into.add(new Quantile(metric, "p99", harness.p99(), 1000 * HistogramQuantile.of(0.99, d), checked));
    }

    /** The Markdown tables recorded in benchmarks/RESULTS.md. */
    public static String table(List<Level> levels) {
        StringBuilder b = new StringBuilder();
        b.append("| conc | counter | harness sent/received | /metrics moved | exact |\n|---|---|---|---|---|\n");
        for (Level l : levels) {
            for (CounterCheck c : l.counters()) {
                b.append(String.format(Locale.ROOT, "| %d | %s | %.0f | %.0f | %s |%n", l.concurrency(), c.metric(),
                        c.expected(), c.moved(), c.exact() ? "yes" : "NO"));
            }
        }
        b.append("\n| conc | latency | quantile | harness ms | /metrics ms | ÷ | within 10 % |\n"
                + "|---|---|---|---|---|---|---|\n");
        for (Level l : levels) {
            for (Quantile q : l.quantiles()) {
                b.append(String.format(Locale.ROOT, "| %d | %s | %s | %.2f | %.2f | %.3f | %s |%n", l.concurrency(),
                        q.metric(), q.quantile(), q.harnessMs(), q.metricsMs(), q.ratio(),
                        !q.checked() ? "— (from submission)" : q.agrees() ? "yes" : "NO"));
            }
        }
        return b.toString();
    }
}
