package dev.localbedrock.benchmarks.load;

import dev.localbedrock.runtime.metrics.RuntimeMetrics;
import dev.localbedrock.runtime.observe.CompletedCall;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.Arrays;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The harness's reading of {@code /metrics}: Micrometer's own exposition of the server's invocation histogram,
 * parsed back and read as PromQL's histogram_quantile over two scrapes, gives each quantile of the recorded latencies
 * within the 10 % the load check allows — whatever the spread, because neighbouring bounds are 9.65 % apart.
 */
class MetricsAgreementTest {
    private static final String MODEL = "meta.llama2-13b-chat-v1";
    private static final Map<String, String> LABELS = Map.of("model_id", MODEL);
    private static final String HISTOGRAM = "bedrock_invocation_latency_seconds";

    @Test
    void histogramQuantilesOfTheServersExpositionAgreeWithTheExactOnes() {
        for (double sigma : new double[] {0.05, 0.3, 1.0}) {
            for (double medianMs : new double[] {3, 40, 900}) {
                RuntimeMetrics metrics = new RuntimeMetrics();
                Random random = new Random(Double.hashCode(sigma) * 31 + Double.hashCode(medianMs));
                record(metrics, random, 300, medianMs, sigma); // before the first scrape: must not count
                PrometheusScrape before = PrometheusScrape.parse(metrics.scrape());
                double[] measured = record(metrics, random, 2000, medianMs, sigma);
                PrometheusScrape after = PrometheusScrape.parse(metrics.scrape());
                TreeMap<Double, Double> d = HistogramQuantile.increase(before.buckets(HISTOGRAM, LABELS),
                        after.buckets(HISTOGRAM, LABELS));
                assertEquals(2000.0, d.lastEntry().getValue());
                Arrays.sort(measured);
                for (double q : new double[] {0.5, 0.9, 0.99}) {
                    double exact = Percentiles.quantile(measured, q);
                    double fromBuckets = 1000 * HistogramQuantile.of(q, d);
                    assertTrue(Math.abs(fromBuckets / exact - 1) <= MetricsAgreement.TOLERANCE,
                            () -> "σ " + sigma + ", median " + medianMs + " ms, q " + q + ": exact " + exact
                                    + " ms, from the buckets " + fromBuckets + " ms");
                }
                assertEquals(2000.0, after.value("bedrock_invocations_total", LABELS)
                        - before.value("bedrock_invocations_total", LABELS));
            }
        }
    }

    @Test
    void quantileInterpolatesInsideTheBucketAndStopsAtTheLastFiniteBound() {
        TreeMap<Double, Double> buckets = new TreeMap<>(Map.of(1.0, 0.0, 2.0, 10.0, 4.0, 20.0,
                Double.POSITIVE_INFINITY, 30.0));
        assertEquals(1.5, HistogramQuantile.of(5.0 / 30, buckets), 1e-12);
        assertEquals(3.0, HistogramQuantile.of(15.0 / 30, buckets), 1e-12);
        assertEquals(4.0, HistogramQuantile.of(0.99, buckets), 1e-12); // in +Inf: the highest finite bound
        assertTrue(Double.isNaN(HistogramQuantile.of(0.5, new TreeMap<>(Map.of(1.0, 0.0)))));
    }

    @Test
    void scrapeParserReadsLabelsEscapesAndSpecialValues() {
        PrometheusScrape s = PrometheusScrape.parse("""
                # HELP x_total a counter
                # TYPE x_total counter
                x_total{model_id="a\\"b",k="v"} 3.0
                x_total{model_id="c"} 4.0 1700000000000
                y_bucket{le="+Inf",model_id="c"} 7
                plain 1e3
                """);
        assertEquals(3.0, s.value("x_total", Map.of("model_id", "a\"b")));
        assertEquals(7.0, s.value("x_total", Map.of()));
        assertEquals(7.0, s.buckets("y", Map.of("model_id", "c")).get(Double.POSITIVE_INFINITY));
        assertEquals(1000.0, s.value("plain", Map.of()));
    }

    /** Records {@code n} successful invocations with log-normal latencies; returns them in milliseconds. */
    private static double[] record(RuntimeMetrics metrics, Random random, int n, double medianMs, double sigma) {
        double[] ms = new double[n];
        for (int i = 0; i < n; i++) {
            ms[i] = medianMs * Math.exp(sigma * random.nextGaussian());
            long nanos = Math.round(ms[i] * 1e6);
            ms[i] = nanos / 1e6;
            metrics.invocations().completed(new CompletedCall("r" + i, Instant.EPOCH, "bedrock-runtime",
                    "InvokeModel", "POST", "/model/" + MODEL + "/invoke", null, null, MODEL, "127.0.0.1", null, 200,
                    null, null, nanos, 5, 7, false, null, null, null));
        }
        return ms;
    }
}
