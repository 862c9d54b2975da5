package dev.localbedrock.runtime.robustness;

import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;

/** Counts answers by status and error type (and requests by protocol and body shape) for a one-line summary. */
final class OutcomeTally {
    private final Map<String, Long> outcomes = new TreeMap<>();
    private final Map<String, Long> shapes = new TreeMap<>();
    private final Map<String, Long> protocols = new TreeMap<>();
    private final AtomicLong requests = new AtomicLong();
    private long healthChecks;

    synchronized void record(WireRequest request, int status, String errorType, String protocol) {
        requests.incrementAndGet();
        outcomes.merge(status + (errorType == null ? "" : " " + errorType), 1L, Long::sum);
        shapes.merge(request.shape(), 1L, Long::sum);
        protocols.merge(protocol, 1L, Long::sum);
    }

    synchronized void healthCheckPassed() {
        healthChecks++;
    }

    long requests() {
        return requests.get();
    }

    synchronized String summary(long millis) {
        return "wire fuzz: " + requests.get() + " requests in " + String.format("%.1f", millis / 1000.0) + " s, "
                + "0 5xx, 0 hangs, " + healthChecks + " health checks passed; outcomes " + join(outcomes)
                + "; protocols " + join(protocols) + "; bodies " + join(shapes);
    }

    private static String join(Map<String, Long> counts) {
        return counts.entrySet().stream().map(e -> e.getKey() + " " + e.getValue())
                .collect(Collectors.joining(", ", "{", "}"));
    }
}
