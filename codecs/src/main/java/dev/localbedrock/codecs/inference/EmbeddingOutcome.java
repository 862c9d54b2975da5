package dev.localbedrock.codecs.inference;

import java.util.List;
import java.util.Objects;

/**
 * A finished embedding request, family-neutral. The vectors are handed over, not copied: nothing may change them
 * after the outcome is built.
 *
 * @param embeddings      one vector per text of the request, in request order (at least one)
 * @param inputTokenCount tokens the model read, summed over the texts (special tokens included)
 */
public record EmbeddingOutcome(List<float[]> embeddings, int inputTokenCount) {
    public EmbeddingOutcome {
        embeddings = List.copyOf(Objects.requireNonNull(embeddings, "embeddings"));
        if (embeddings.isEmpty()) {
            throw new IllegalArgumentException("an embedding outcome needs at least one vector");
        }
        if (inputTokenCount < 0) {
            throw new IllegalArgumentException("inputTokenCount must not be negative, not " + inputTokenCount);
        }
    }
}
