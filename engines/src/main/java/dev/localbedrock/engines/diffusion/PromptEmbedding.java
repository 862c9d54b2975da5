package dev.localbedrock.engines.diffusion;

import java.util.List;
import java.util.Objects;

/**
 * The text conditioning of one prompt: {@code hidden} is {@code tokens × hiddenSize} row-major (the UNet's
 * {@code encoder_hidden_states} row), {@code pooled} is {@code pooledSize} (its {@code text_embeds} row). The arrays
 * are shared, not copied: nothing may change them after construction.
 */
public record PromptEmbedding(float[] hidden, float[] pooled) {

    public PromptEmbedding {
        Objects.requireNonNull(hidden, "hidden");
        Objects.requireNonNull(pooled, "pooled");
    }

    /**
     * The weighted mean {@code Σ wᵢ·eᵢ / Σ wᵢ} of several prompts' conditionings (Stability's multi-prompt weights),
     * element by element in double precision; one prompt is returned as it is, whatever its weight.
     *
     * @throws IllegalArgumentException when the lists differ in length, are empty, a weight is negative or not
     *                                  finite, the weights sum to zero, or the embeddings differ in shape
     */
    public static PromptEmbedding blend(List<PromptEmbedding> embeddings, List<Double> weights) {
        if (embeddings.isEmpty() || embeddings.size() != weights.size()) {
            throw new IllegalArgumentException(embeddings.size() + " embeddings for " + weights.size() + " weights");
        }
        if (embeddings.size() == 1) {
            return embeddings.get(0);
        }
        double total = 0;
        for (double w : weights) {
            if (!Double.isFinite(w) || w < 0) {
                throw new IllegalArgumentException("a prompt weight is finite and not negative, not " + w);
            }
            total += w;
        }
        if (total <= 0) {
            throw new IllegalArgumentException("the prompt weights sum to zero");
        }
        PromptEmbedding first = embeddings.get(0);
        double[] hidden = new double[first.hidden.length];
        double[] pooled = new double[first.pooled.length];
        for (int i = 0; i < embeddings.size(); i++) {
            PromptEmbedding e = embeddings.get(i);
            if (e.hidden.length != hidden.length || e.pooled.length != pooled.length) {
                throw new IllegalArgumentException("prompt embeddings of different shapes");
            }
            double w = weights.get(i) / total;
            for (int j = 0; j < hidden.length; j++) {
                hidden[j] += w * e.hidden[j];
            }
            for (int j = 0; j < pooled.length; j++) {
                pooled[j] += w * e.pooled[j];
            }
        }
        return new PromptEmbedding(toFloats(hidden), toFloats(pooled));
    }

    private static float[] toFloats(double[] values) {
        float[] out = new float[values.length];
        for (int i = 0; i < values.length; i++) {
            out[i] = (float) values[i];
        }
        return out;
    }
}
