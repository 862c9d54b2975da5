package dev.localbedrock.codecs;

/**
 * Token selection settings, family-neutral.
 *
 * @param temperature 0 means greedy (argmax, ties to the lowest id); otherwise logits are divided by it
 * @param topP        nucleus mass in (0, 1]; 1 disables
 * @param topK        keep the k most likely tokens; 0 disables
 * @param seed        a seed that makes sampling reproducible, or null for a fresh random one
 */
public record SamplingParameters(float temperature, float topP, int topK, Long seed) {

    public static SamplingParameters greedy() {
        return new SamplingParameters(0f, 1f, 0, null);
    }

    public boolean isGreedy() {
        return temperature == 0f;
    }
}
