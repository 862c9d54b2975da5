package dev.localbedrock.runtime.generation;

/**
 * Estimates how long a new request would wait for admission: {@code position × interval}, where {@code interval}
 * is an exponentially weighted mean (weight {@value #ALPHA}) of the time between consecutive admissions measured
 * only while requests were waiting the whole time (so idle periods do not count as slowness). Until such an
 * interval has been seen there is no estimate, and nothing is refused on it.
 */
final class WaitEstimator {
    static final double ALPHA = 0.2;

    private volatile double nanosPerAdmission = Double.NaN;
    private long lastAdmissionNanos;
    private boolean backlogSinceLast;

    /** Records an admission at {@code now}; {@code stillWaiting} is how many requests remain queued after it. */
    synchronized void onAdmission(long now, int stillWaiting) {
        if (backlogSinceLast) {
            double interval = Math.max(0, now - lastAdmissionNanos);
            double mean = nanosPerAdmission;
            nanosPerAdmission = Double.isNaN(mean) ? interval : mean + ALPHA * (interval - mean);
        }
        lastAdmissionNanos = now;
        backlogSinceLast = stillWaiting > 0;
    }

    /** The expected wait of a request with {@code ahead} requests queued before it; 0 without an estimate. */
    long expectedWaitNanos(int ahead) {
        double mean = nanosPerAdmission;
        return ahead == 0 || Double.isNaN(mean) ? 0 : (long) (ahead * mean);
    }
}
