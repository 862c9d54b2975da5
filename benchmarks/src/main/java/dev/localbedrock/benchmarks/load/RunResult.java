package dev.localbedrock.benchmarks.load;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * One concurrency level's figures.
 *
 * @param side                 the target's name
 * @param concurrency          simultaneous clients
 * @param requests             measured requests sent
 * @param ok                   requests that completed without error
 * @param errors               error text to count
 * @param wallSeconds          from the first send to the last response's end
 * @param outputTokens         output tokens of the successful requests
 * @param outputTokensPerSecond aggregate: {@code outputTokens / wallSeconds}
 * @param outputTokensMin      fewest output tokens in one successful request (below the asked-for count = stopped
 *                             early, e.g. at EOS)
 * @param outputTokensMax      most output tokens in one successful request
 * @param promptTokensMin      fewest prompt tokens the target reported (-1 when it reports none)
 * @param promptTokensMax      most prompt tokens the target reported
 * @param ttftMillis           time to first token
 * @param itlMillis            inter-token latency, per token
 * @param latencyMillis        whole-request latency
 * @param decodeTokensPerSecond per request, {@code (tokens - 1) / (end - first token)}
 */
public record RunResult(String side, int concurrency, int requests, int ok, Map<String, Integer> errors,
                        double wallSeconds, long outputTokens, double outputTokensPerSecond, int outputTokensMin,
                        int outputTokensMax, int promptTokensMin, int promptTokensMax, Percentiles ttftMillis,
                        Percentiles itlMillis, Percentiles latencyMillis, Percentiles decodeTokensPerSecond) {

    private static final ObjectMapper JSON = new ObjectMapper();

    static RunResult of(String side, int concurrency, Workload w, List<RequestSample> samples, long start, long end) {
        Map<String, Integer> errors = new TreeMap<>();
        List<Double> ttft = new ArrayList<>();
        List<Double> itl = new ArrayList<>();
        List<Double> lat = new ArrayList<>();
        List<Double> decode = new ArrayList<>();
        long tokens = 0;
        int ok = 0;
        int tMin = Integer.MAX_VALUE;
        int tMax = 0;
        int pMin = Integer.MAX_VALUE;
        int pMax = -1;
        long lastEnd = start;
        for (RequestSample s : samples) {
            lastEnd = Math.max(lastEnd, s.endNanos);
            if (!s.ok()) {
                errors.merge(s.error, 1, Integer::sum);
                continue;
            }
            ok++;
            tokens += s.outputTokens;
            tMin = Math.min(tMin, s.outputTokens);
            tMax = Math.max(tMax, s.outputTokens);
            if (s.promptTokens >= 0) {
                pMin = Math.min(pMin, s.promptTokens);
                pMax = Math.max(pMax, s.promptTokens);
            }
            if (s.firstTokenNanos >= 0) {
                ttft.add(s.ttftMillis());
                if (s.outputTokens > 1 && s.endNanos > s.firstTokenNanos) {
                    decode.add((s.outputTokens - 1) / ((s.endNanos - s.firstTokenNanos) / 1e9));
                }
            }
            itl.addAll(s.interTokenMillis);
            lat.add(s.latencyMillis());
        }
        double wall = (Math.max(end, lastEnd) - start) / 1e9;
        return new RunResult(side, concurrency, samples.size(), ok, errors, wall, tokens,
                wall > 0 ? tokens / wall : 0, ok == 0 ? 0 : tMin, tMax, pMax < 0 ? -1 : pMin, pMax,
                Percentiles.of(ttft), Percentiles.of(itl), Percentiles.of(lat), Percentiles.of(decode));
    }

    public int errorCount() {
        return errors.values().stream().mapToInt(Integer::intValue).sum();
    }

    public ObjectNode toJson() {
        ObjectNode n = JSON.createObjectNode();
        n.put("side", side);
        n.put("concurrency", concurrency);
        n.put("requests", requests);
        n.put("ok", ok);
        n.put("errors", errorCount());
        ObjectNode em = n.putObject("error_messages");
        errors.forEach(em::put);
        n.put("wall_s", round(wallSeconds, 3));
        n.put("output_tokens", outputTokens);
        n.put("output_tokens_per_s", round(outputTokensPerSecond, 2));
        n.put("output_tokens_min", outputTokensMin);
        n.put("output_tokens_max", outputTokensMax);
        n.put("prompt_tokens_min", promptTokensMin);
        n.put("prompt_tokens_max", promptTokensMax);
        n.set("ttft_ms", pct(ttftMillis));
        n.set("itl_ms", pct(itlMillis));
        n.set("latency_ms", pct(latencyMillis));
        n.set("decode_tokens_per_s_per_request", pct(decodeTokensPerSecond));
        return n;
    }

    private static ObjectNode pct(Percentiles p) {
        ObjectNode n = JSON.createObjectNode();
        n.put("count", p.count());
        if (p.count() > 0) {
            n.put("mean", round(p.mean(), 3));
            n.put("p50", round(p.p50(), 3));
            n.put("p90", round(p.p90(), 3));
            n.put("p99", round(p.p99(), 3));
            n.put("min", round(p.min(), 3));
            n.put("max", round(p.max(), 3));
        }
        return n;
    }

    static double round(double v, int digits) {
        if (Double.isNaN(v) || Double.isInfinite(v)) {
            return v;
        }
        double f = Math.pow(10, digits);
        return Math.round(v * f) / f;
    }
}
