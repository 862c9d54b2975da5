package dev.localbedrock.benchmarks.load;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * One scrape of a Prometheus text-format endpoint, read back as samples: the harness's independent view of what the
 * server exposes. Only the sample lines are read ({@code name{labels} value}); comments, timestamps and exemplars are
 * skipped. Reading, not writing: the server's own exposition is Micrometer's.
 */
public final class PrometheusScrape {
    /** One sample: metric name, its labels, its value. */
    public record Sample(String name, Map<String, String> labels, double value) {
    }

    private final List<Sample> samples;

    private PrometheusScrape(List<Sample> samples) {
        this.samples = samples;
    }

    /** GETs {@code endpoint/metrics}. */
    public static PrometheusScrape fetch(HttpClient http, URI endpoint) throws IOException, InterruptedException {
        HttpRequest get = HttpRequest.newBuilder(endpoint.resolve("/metrics")).timeout(Duration.ofSeconds(30)).GET()
                .build();
        HttpResponse<String> r = http.send(get, HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() != 200) {
            throw new IOException("GET /metrics answered " + r.statusCode());
        }
        return parse(r.body());
    }

    public static PrometheusScrape parse(String text) {
        List<Sample> out = new ArrayList<>();
        for (String line : text.split("\n")) {
            line = line.strip();
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            out.add(sample(line));
        }
        return new PrometheusScrape(List.copyOf(out));
    }

    private static Sample sample(String line) {
        int brace = line.indexOf('{');
        int space = line.indexOf(' ');
        String name;
        Map<String, String> labels = new TreeMap<>();
        String rest;
        if (brace >= 0 && (space < 0 || brace < space)) {
            name = line.substring(0, brace);
            int close = labels(line, brace + 1, labels);
            rest = line.substring(close + 1).strip();
        } else {
            name = line.substring(0, space);
            rest = line.substring(space + 1).strip();
        }
        String value = rest.split("\\s+")[0];
        return new Sample(name, Map.copyOf(labels), parseValue(value));
    }

    /** Reads {@code a="x",b="y"} from {@code from}; returns the index of the closing brace. */
    private static int labels(String line, int from, Map<String, String> into) {
        int i = from;
        while (i < line.length() && line.charAt(i) != '}') {
            int eq = line.indexOf('=', i);
            String key = line.substring(i, eq).strip();
            StringBuilder v = new StringBuilder();
            int j = eq + 2; // past ="
            while (line.charAt(j) != '"') {
                char c = line.charAt(j);
                if (c == '\\') {
                    char n = line.charAt(++j);
                    v.append(n == 'n' ? '\n' : n);
                } else {
                    v.append(c);
                }
                j++;
            }
            into.put(key, v.toString());
            i = j + 1;
            if (i < line.length() && line.charAt(i) == ',') {
                i++;
            }
        }
        return i;
    }

    private static double parseValue(String v) {
        return switch (v) {
            case "+Inf" -> Double.POSITIVE_INFINITY;
            case "-Inf" -> Double.NEGATIVE_INFINITY;
            case "NaN" -> Double.NaN;
            default -> Double.parseDouble(v);
        };
    }

    /** The value of the sample with this name whose labels include {@code labels}; 0 when there is none. */
    public double value(String name, Map<String, String> labels) {
        double sum = 0;
        for (Sample s : samples) {
            if (s.name.equals(name) && s.labels.entrySet().containsAll(labels.entrySet())) {
                sum += s.value;
            }
        }
        return sum;
    }

    /**
     * A histogram's cumulative bucket counts by upper bound ({@code le}), for the series whose labels include
     * {@code labels}.
     */
    public TreeMap<Double, Double> buckets(String histogram, Map<String, String> labels) {
        Map<Double, Double> byBound = new HashMap<>();
        for (Sample s : samples) {
            if (s.name.equals(histogram + "_bucket") && s.labels.entrySet().containsAll(labels.entrySet())) {
                byBound.merge(parseValue(s.labels.get("le")), s.value, Double::sum);
            }
        }
        return new TreeMap<>(byBound);
    }
}
