package dev.localbedrock.runtime.metrics;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * A strict reader of Prometheus' text exposition format 0.0.4 (no parser ships with the Prometheus Java client):
 * every line is a {@code # HELP}/{@code # TYPE} comment or a sample {@code name{label="value",...} value}; anything
 * else fails. Samples are keyed by name and their labels in name order, e.g.
 * {@code bedrock_invocations_total{model_id="m"}}.
 */
public final class PrometheusText {
    private static final Pattern SAMPLE = Pattern.compile(
            "([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\\{(.*)})? ([-+]?(?:[0-9.eE+-]+|Inf|NaN))(?: -?[0-9]+)?");
    private static final Pattern LABEL = Pattern.compile("([a-zA-Z_][a-zA-Z0-9_]*)=\"((?:[^\"\\\\]|\\\\.)*)\",?");
    private static final Pattern COMMENT = Pattern.compile("# (HELP|TYPE) [a-zA-Z_:][a-zA-Z0-9_:]* .*");

    private PrometheusText() {
    }

    /** Every sample of {@code exposition}. */
    public static Map<String, Double> parse(String exposition) {
        Map<String, Double> samples = new LinkedHashMap<>();
        for (String line : exposition.split("\n")) {
            if (line.isEmpty()) {
                continue;
            }
            if (line.startsWith("#")) {
                if (!COMMENT.matcher(line).matches()) {
                    throw new IllegalArgumentException("not a HELP or TYPE line: " + line);
                }
                continue;
            }
            Matcher m = SAMPLE.matcher(line);
            if (!m.matches()) {
                throw new IllegalArgumentException("not a sample line: " + line);
            }
            String key = key(m.group(1), labels(m.group(2), line));
            if (samples.put(key, value(m.group(3))) != null) {
                throw new IllegalArgumentException("sample given twice: " + key);
            }
        }
        return samples;
    }

    /** A sample's key: its name and labels in name order. */
    public static String key(String name, Map<String, String> labels) {
        if (labels.isEmpty()) {
            return name;
        }
        return name + new TreeMap<>(labels).entrySet().stream().map(e -> e.getKey() + "=\"" + e.getValue() + "\"")
                .collect(Collectors.joining(",", "{", "}"));
    }

    private static Map<String, String> labels(String text, String line) {
        Map<String, String> labels = new TreeMap<>();
        if (text == null || text.isEmpty()) {
            return labels;
        }
        Matcher m = LABEL.matcher(text);
        int end = 0;
        while (m.find() && m.start() == end) {
            labels.put(m.group(1), m.group(2));
            end = m.end();
        }
        if (end != text.length()) {
            throw new IllegalArgumentException("malformed labels: " + line);
        }
        return labels;
    }

    private static double value(String text) {
        return switch (text) {
            case "+Inf", "Inf" -> Double.POSITIVE_INFINITY;
            case "-Inf" -> Double.NEGATIVE_INFINITY;
            default -> Double.parseDouble(text);
        };
    }
}
