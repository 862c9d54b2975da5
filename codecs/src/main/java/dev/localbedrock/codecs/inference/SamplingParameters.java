package dev.localbedrock.codecs.inference;

import java.util.Map;
import java.util.Objects;

/**
 * Token selection settings, family-neutral. The runtime applies them in this order: repetition penalties, logit
 * bias, then either greedy argmax (temperature 0) or temperature → top-k → top-p → one seeded draw.
 *
 * @param temperature 0 means greedy (argmax, ties to the lowest id); otherwise logits are divided by it
 * @param topP        nucleus mass; values in (0, 1) keep the smallest most-probable set reaching it, 0 and values
 *                    of 1 or more keep everything (each codec maps its family's "disabled" value onto that)
 * @param topK        keep the k most likely tokens; 0 disables
 * @param seed        a seed that makes sampling reproducible, or null for the model's configured or a fresh one
 * @param penalties   AI21-style presence/count/frequency penalties ({@link RepetitionPenalties#NONE} for none)
 * @param logitBias   Cohere-style {@code token id → bias} added to those ids' logits (empty for none)
 */
public record SamplingParameters(float temperature, float topP, int topK, Long seed, RepetitionPenalties penalties,
                                 Map<Integer, Float> logitBias) {

    public SamplingParameters {
        penalties = penalties == null ? RepetitionPenalties.NONE : penalties;
        logitBias = logitBias == null ? Map.of() : Map.copyOf(logitBias);
    }

    /** Temperature, top-p, top-k and seed only: no penalties, no bias. */
    public SamplingParameters(float temperature, float topP, int topK, Long seed) {
        this(temperature, topP, topK, seed, RepetitionPenalties.NONE, Map.of());
    }

    public static SamplingParameters greedy() {
        return new SamplingParameters(0f, 1f, 0, null);
    }

    public boolean isGreedy() {
        return temperature == 0f;
    }

    /** A copy with other penalties. */
    public SamplingParameters withPenalties(RepetitionPenalties newPenalties) {
        return new SamplingParameters(temperature, topP, topK, seed, Objects.requireNonNull(newPenalties),
                logitBias);
    }

    /** A copy with another logit bias. */
    public SamplingParameters withLogitBias(Map<Integer, Float> newBias) {
        return new SamplingParameters(temperature, topP, topK, seed, penalties, newBias);
    }

    /** A copy with another seed. */
    public SamplingParameters withSeed(Long newSeed) {
        return new SamplingParameters(temperature, topP, topK, newSeed, penalties, logitBias);
    }
}
