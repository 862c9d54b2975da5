package dev.localbedrock.benchmarks.load;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.OffsetDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** Tables and JSON for load results, and a description of the machine they came from. */
public final class Reports {
    static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private Reports() {
    }

    /** The results as a fixed-width table, one row per side and concurrency level. */
    public static String table(List<RunResult> results) {
        StringBuilder sb = new StringBuilder();
        sb.append(String.format(Locale.ROOT, "%-13s %4s %6s %4s %8s %9s %8s | %8s %8s %8s | %7s %7s %7s | %8s%n",
                "side", "conc", "ok", "err", "wall s", "out tok/s", "tok/req", "TTFT p50", "p90", "p99",
                "ITL p50", "p90", "p99", "lat p50"));
        for (RunResult r : results) {
            String tokReq = r.outputTokensMin() == r.outputTokensMax() ? Integer.toString(r.outputTokensMax())
                    : r.outputTokensMin() + "-" + r.outputTokensMax();
            sb.append(String.format(Locale.ROOT,
                    "%-13s %4d %6d %4d %8.2f %9.2f %8s | %8s %8s %8s | %7s %7s %7s | %8s%n",
                    r.side(), r.concurrency(), r.ok(), r.errorCount(), r.wallSeconds(), r.outputTokensPerSecond(),
                    tokReq, ms(r.ttftMillis().p50()), ms(r.ttftMillis().p90()), ms(r.ttftMillis().p99()),
                    ms(r.itlMillis().p50()), ms(r.itlMillis().p90()), ms(r.itlMillis().p99()),
                    ms(r.latencyMillis().p50())));
        }
        sb.append("(times in ms; out tok/s = all output tokens / wall time; ITL per token)\n");
        for (RunResult r : results) {
            r.errors().forEach((msg, n) -> sb.append(String.format(Locale.ROOT, "  %s c=%d: %d × %s%n", r.side(),
                    r.concurrency(), n, msg)));
        }
        return sb.toString();
    }

    /** The figures a ratio compares. */
    public record Point(String side, int concurrency, double tokensPerSecond, double ttftP50, double itlP50) {
        public static Point of(RunResult r) {
            return new Point(r.side(), r.concurrency(), r.outputTokensPerSecond(), r.ttftMillis().p50(),
                    r.itlMillis().p50());
        }
    }

    /** Per concurrency level: {concurrency, ours tok/s, peer tok/s, tok/s ratio, TTFT p50 ratio, ITL p50 ratio}. */
    public static List<double[]> ratios(List<Point> ours, List<Point> peer) {
        List<double[]> out = new ArrayList<>();
        for (Point o : ours) {
            for (Point p : peer) {
                if (p.concurrency() == o.concurrency() && p.tokensPerSecond() > 0) {
                    out.add(new double[] {o.concurrency(), o.tokensPerSecond(), p.tokensPerSecond(),
                        o.tokensPerSecond() / p.tokensPerSecond(), o.ttftP50() / p.ttftP50(),
                        o.itlP50() / p.itlP50()});
                }
            }
        }
        return out;
    }

    public static String ratioTable(String oursName, String peerName, List<double[]> ratios) {
        StringBuilder sb = new StringBuilder();
        sb.append(String.format(Locale.ROOT, "%4s %12s %12s %12s %14s %13s%n", "conc", oursName + " tok/s",
                peerName + " tok/s", "tok/s ratio", "TTFT p50 ratio", "ITL p50 ratio"));
        for (double[] r : ratios) {
            sb.append(String.format(Locale.ROOT, "%4d %12.2f %12.2f %12.3f %14.3f %13.3f%n", (int) r[0], r[1], r[2],
                    r[3], r[4], r[5]));
        }
        sb.append("(ratio = " + oursName + " ÷ " + peerName + "; tok/s above 1 and latency below 1 favour "
                + oursName + ")\n");
        return sb.toString();
    }

    private static String ms(double v) {
        return Double.isNaN(v) ? "-" : String.format(Locale.ROOT, "%.1f", v);
    }

    /** CPU model, cores, memory, OS and JVM of this machine. */
    public static ObjectNode machine() {
        ObjectNode m = JSON.createObjectNode();
        m.put("cpu", cpuModel());
        m.put("cores", Runtime.getRuntime().availableProcessors());
        m.put("memory_gib", Math.round(memTotalKiB() / 1024.0 / 1024.0 * 10) / 10.0);
        m.put("os", System.getProperty("os.name") + " " + System.getProperty("os.version") + " "
                + System.getProperty("os.arch"));
        m.put("java", System.getProperty("java.vm.name") + " " + System.getProperty("java.version"));
        return m;
    }

    static String cpuModel() {
        try {
            return Files.readAllLines(Path.of("/proc/cpuinfo")).stream().filter(l -> l.startsWith("model name"))
                    .map(l -> l.substring(l.indexOf(':') + 1).trim()).findFirst().orElse("unknown");
        } catch (IOException e) {
            return System.getProperty("os.arch");
        }
    }

    static long memTotalKiB() {
        try {
            return Files.readAllLines(Path.of("/proc/meminfo")).stream().filter(l -> l.startsWith("MemTotal"))
                    .map(l -> l.replaceAll("[^0-9]", "")).mapToLong(Long::parseLong).findFirst().orElse(0);
        } catch (IOException e) {
            return 0;
        }
    }

    /** A JSON document: tool, date, machine, settings, per-side descriptions, results and ratios. */
    public static ObjectNode document(String command, Map<String, Object> settings,
                                      Map<String, Map<String, Object>> sides, List<RunResult> results,
                                      List<double[]> ratios) {
        ObjectNode doc = JSON.createObjectNode();
        doc.put("tool", "dev.localbedrock.benchmarks.BenchTool " + command);
        doc.put("date", OffsetDateTime.now().format(DateTimeFormatter.ISO_OFFSET_DATE_TIME));
        doc.set("machine", machine());
        doc.set("settings", JSON.valueToTree(settings));
        doc.set("sides", JSON.valueToTree(sides));
        ArrayNode runs = doc.putArray("runs");
        results.forEach(r -> runs.add(r.toJson()));
        ArrayNode rs = doc.putArray("ratios");
        for (double[] r : ratios) {
            ObjectNode n = rs.addObject();
            n.put("concurrency", (int) r[0]);
            n.put("ours_tokens_per_s", RunResult.round(r[1], 2));
            n.put("peer_tokens_per_s", RunResult.round(r[2], 2));
            n.put("tokens_per_s_ratio", RunResult.round(r[3], 4));
            n.put("ttft_p50_ratio", RunResult.round(r[4], 4));
            n.put("itl_p50_ratio", RunResult.round(r[5], 4));
        }
        return doc;
    }

    public static void write(Path file, ObjectNode doc) throws IOException {
        Path parent = file.toAbsolutePath().getParent();
        if (parent != null) {
            Files.createDirectories(parent);
        }
        Files.writeString(file, JSON.writeValueAsString(doc) + "\n");
    }

    /** Reads the runs of a JSON document written by {@link #document}. */
    public static List<Point> readRuns(Path file) throws IOException {
        List<Point> out = new ArrayList<>();
        for (var n : JSON.readTree(file.toFile()).path("runs")) {
            out.add(new Point(n.path("side").asText(), n.path("concurrency").asInt(),
                    n.path("output_tokens_per_s").asDouble(), n.path("ttft_ms").path("p50").asDouble(Double.NaN),
                    n.path("itl_ms").path("p50").asDouble(Double.NaN)));
        }
        return out;
    }
}
