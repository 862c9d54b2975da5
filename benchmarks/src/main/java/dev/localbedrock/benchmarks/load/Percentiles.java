package dev.localbedrock.benchmarks.load;

import java.util.Arrays;
import java.util.Collection;

/**
 * p50/p90/p99 (and mean, min, max) of a sample, with linear interpolation between closest ranks (numpy's default),
 * so p50 of an even-sized sample is the mean of the middle two.
 *
 * @param count number of values; 0 means every other field is NaN
 */
public record Percentiles(int count, double mean, double min, double p50, double p90, double p99, double max) {

    public static final Percentiles EMPTY = new Percentiles(0, Double.NaN, Double.NaN, Double.NaN, Double.NaN,
            Double.NaN, Double.NaN);

    public static Percentiles of(Collection<Double> values) {
        return of(values.stream().mapToDouble(Double::doubleValue).toArray());
    }

    public static Percentiles of(double[] values) {
        if (values.length == 0) {
            return EMPTY;
        }
        double[] v = values.clone();
        Arrays.sort(v);
        double sum = 0;
        for (double x : v) {
            sum += x;
        }
        return new Percentiles(v.length, sum / v.length, v[0], quantile(v, 0.50), quantile(v, 0.90),
                quantile(v, 0.99), v[v.length - 1]);
    }

    /** The q-quantile of sorted values, interpolating linearly between ranks. */
    static double quantile(double[] sorted, double q) {
        double pos = q * (sorted.length - 1);
        int lo = (int) Math.floor(pos);
        int hi = Math.min(sorted.length - 1, lo + 1);
        double frac = pos - lo;
        return sorted[lo] + (sorted[hi] - sorted[lo]) * frac;
    }
}
