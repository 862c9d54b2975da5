package dev.localbedrock.runtime.customization;

import dev.localbedrock.codecs.BedrockException;

import java.math.BigDecimal;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * A fine-tuning job's hyperparameters, sent as strings the way the API carries them ({@code "epochCount": "2"}).
 * The guide names four and gives examples, not bounds; the bounds here are the ones its quota table implies
 * ({@code batchSize} 1–4: the per-record token limit is defined only for those) and AWS's published ones for Titan
 * Text (epochs 1–10, warm-up steps 0–250). The learning rate is only required to be positive and at most 1: the
 * guide's own example ({@code "0.005"}) is a hundred times its recommended maximum, and must be accepted.
 *
 * @param epochCount passes over the training dataset (default 5)
 * @param batchSize records per step (default 1)
 * @param learningRate the optimizer's step size (default 1.0E-5)
 * @param learningRateWarmupSteps steps over which the rate rises linearly from 0 (default 0, the guide's advice)
 */
public record Hyperparameters(int epochCount, int batchSize, double learningRate, int learningRateWarmupSteps) {
    public static final Set<String> NAMES = Set.of("epochCount", "batchSize", "learningRate",
            "learningRateWarmupSteps");

    public static Hyperparameters defaults() {
        return new Hyperparameters(5, 1, 1.0e-5, 0);
    }

    /**
     * @throws BedrockException ValidationException naming the hyperparameter, its allowed range and the value sent
     */
    public static Hyperparameters parse(Map<String, String> given) {
        Map<String, String> values = given == null ? Map.of() : given;
        Set<String> unknown = new TreeSet<>(values.keySet());
        unknown.removeAll(NAMES);
        if (!unknown.isEmpty()) {
            throw BedrockException.validation("Unknown hyperparameters " + unknown + "; FINE_TUNING takes "
                    + new TreeSet<>(NAMES) + ".");
        }
        Hyperparameters d = defaults();
        return new Hyperparameters(
                integer(values, "epochCount", d.epochCount, 1, 10),
                integer(values, "batchSize", d.batchSize, 1, 4),
                rate(values, d.learningRate),
                integer(values, "learningRateWarmupSteps", d.learningRateWarmupSteps, 0, 250));
    }

    private static int integer(Map<String, String> values, String name, int fallback, int min, int max) {
        String text = values.get(name);
        if (text == null) {
            return fallback;
        }
        int value;
        try {
            value = Integer.parseInt(text.trim());
        } catch (NumberFormatException e) {
            throw outOfRange(name, "an integer from " + min + " to " + max, text);
        }
        if (value < min || value > max) {
            throw outOfRange(name, "an integer from " + min + " to " + max, text);
        }
        return value;
    }

    private static double rate(Map<String, String> values, double fallback) {
        String text = values.get("learningRate");
        if (text == null) {
            return fallback;
        }
        BigDecimal value;
        try {
            value = new BigDecimal(text.trim()); // accepts "0.005", "1.00E-05", "5e-6"
        } catch (NumberFormatException e) {
            throw outOfRange("learningRate", "a number above 0 and at most 1", text);
        }
        if (value.signum() <= 0 || value.compareTo(BigDecimal.ONE) > 0) {
            throw outOfRange("learningRate", "a number above 0 and at most 1", text);
        }
        return value.doubleValue();
    }

    private static BedrockException outOfRange(String name, String allowed, String text) {
        return BedrockException.validation("Hyperparameter " + name + " must be " + allowed + ", not '" + text
                + "'.");
    }

    /** The strings the job reports back, as it was given them (the API echoes hyperParameters as strings). */
    public Map<String, String> asStrings() {
        return Map.of("epochCount", Integer.toString(epochCount), "batchSize", Integer.toString(batchSize),
                "learningRate", BigDecimal.valueOf(learningRate).stripTrailingZeros().toPlainString(),
                "learningRateWarmupSteps", Integer.toString(learningRateWarmupSteps));
    }
}
