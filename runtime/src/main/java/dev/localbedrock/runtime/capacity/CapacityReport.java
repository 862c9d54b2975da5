package dev.localbedrock.runtime.capacity;

import java.util.List;
import java.util.Optional;

/**
 * The verdict over all measured levels: the target p99 inter-token latency (given, or 1.5 × what one request alone
 * sees, the same bound the provisioned-throughput guarantee is held to) and the highest concurrency that meets it,
 * whose sustained tokens per minute are what this host can reserve as one model unit.
 *
 * @param levels       every measured level, in increasing concurrency
 * @param targetNanos  the p99 inter-token latency a level must not exceed
 * @param targetGiven  whether the operator gave the target (otherwise it was derived from concurrency 1)
 * @param chosen       the highest level within the target without failures, if any
 */
public record CapacityReport(List<LevelResult> levels, double targetNanos, boolean targetGiven,
                             Optional<LevelResult> chosen) {
    /** The default target, relative to the p99 inter-token latency of a lone request. */
    public static final double DEFAULT_TARGET_FACTOR = 1.5;

    public CapacityReport {
        levels = List.copyOf(levels);
    }

    /**
     * Judges {@code levels} against {@code targetNanos}, or, when that is null, against
     * {@value #DEFAULT_TARGET_FACTOR} × the p99 inter-token latency of the lowest level.
     *
     * @throws IllegalArgumentException when there are no levels, or no target is given and the lowest level saw no
     *                                  inter-token gap to derive one from
     */
    public static CapacityReport judge(List<LevelResult> levels, Double targetNanos) {
        if (levels.isEmpty()) {
            throw new IllegalArgumentException("no level was measured");
        }
        double target;
        if (targetNanos != null) {
            target = targetNanos;
        } else {
            double base = levels.get(0).itlP99Nanos();
            if (Double.isNaN(base)) {
                throw new IllegalArgumentException("concurrency " + levels.get(0).concurrency() + " saw no "
                        + "inter-token gap to derive a target from; measure longer or give --target-p99-itl-ms");
            }
            target = DEFAULT_TARGET_FACTOR * base;
        }
        LevelResult chosen = null;
        for (LevelResult level : levels) {
            if (meets(level, target) && (chosen == null || level.concurrency() > chosen.concurrency())) {
                chosen = level;
            }
        }
        return new CapacityReport(levels, target, targetNanos != null, Optional.ofNullable(chosen));
    }

    /**
     * Whether a level can be reserved: its p99 inter-token latency is measured and within the target, and nothing
     * failed (capacity that throttles its own load cannot be promised).
     */
    public boolean meets(LevelResult level) {
        return meets(level, targetNanos);
    }

    private static boolean meets(LevelResult level, double target) {
        return !Double.isNaN(level.itlP99Nanos()) && level.itlP99Nanos() <= target && level.failed() == 0
                && level.outputTokens() > 0;
    }
}
