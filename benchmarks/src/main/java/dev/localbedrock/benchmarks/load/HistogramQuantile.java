package dev.localbedrock.benchmarks.load;

import java.util.Map;
import java.util.TreeMap;

/**
 * PromQL's {@code histogram_quantile} over the difference of two scrapes (what {@code increase(…_bucket[range])}
 * gives a dashboard): find the first bucket whose cumulative count reaches {@code q × total}, then interpolate
 * linearly inside it, from its lower bound (the previous bucket's, or 0 for the first) to its upper bound. A rank in
 * the {@code +Inf} bucket answers the highest finite bound, as Prometheus does.
 */
public final class HistogramQuantile {
    private HistogramQuantile() {
    }

    /** The per-bucket increase from {@code before} to {@code after} (both cumulative by {@code le}). */
    public static TreeMap<Double, Double> increase(TreeMap<Double, Double> before, TreeMap<Double, Double> after) {
        TreeMap<Double, Double> d = new TreeMap<>();
        for (Map.Entry<Double, Double> e : after.entrySet()) {
            d.put(e.getKey(), e.getValue() - before.getOrDefault(e.getKey(), 0.0));
        }
        return d;
    }

    /** The q-quantile of cumulative buckets, NaN when they count nothing. */
    public static double of(double q, TreeMap<Double, Double> cumulative) {
        if (cumulative.isEmpty()) {
            return Double.NaN;
        }
        double total = cumulative.lastEntry().getValue();
        if (total <= 0) {
            return Double.NaN;
        }
        double rank = q * total;
        double lowerBound = 0;
        double lowerCount = 0;
        for (Map.Entry<Double, Double> e : cumulative.entrySet()) {
            double upper = e.getKey();
            double count = e.getValue();
            if (count >= rank) {
                if (Double.isInfinite(upper)) {
                    return lowerBound;
                }
                double inBucket = count - lowerCount;
                return inBucket <= 0 ? upper : lowerBound + (upper - lowerBound) * (rank - lowerCount) / inBucket;
            }
            lowerBound = upper;
            lowerCount = count;
        }
        return lowerBound;
    }
}
