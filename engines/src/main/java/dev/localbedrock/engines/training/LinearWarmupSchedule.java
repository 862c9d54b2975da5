package dev.localbedrock.engines.training;

/**
 * The learning-rate multiplier of {@code transformers}' {@code get_linear_schedule_with_warmup}: for the optimizer step
 * with 0-based index {@code s},
 * <pre>
 *   s &lt; warmup :  s / max(1, warmup)
 *   otherwise   :  max(0, (total − s) / max(1, total − warmup))
 * </pre>
 * so with warm-up the first step runs at rate 0 (as in the Trainer) and the rate reaches 0 after the last step.
 */
record LinearWarmupSchedule(int warmupSteps, int totalSteps) {

    double factor(int step) {
        if (step < warmupSteps) {
            return (double) step / Math.max(1, warmupSteps);
        }
        return Math.max(0.0, (double) (totalSteps - step) / Math.max(1, totalSteps - warmupSteps));
    }
}
