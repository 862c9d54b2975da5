package dev.localbedrock.codecs.inference;

import java.util.List;
import java.util.Objects;

/**
 * A finished embedding request, family-neutral. The vectors are handed over, not copied: nothing may change them
 * after the outcome is built.
 *
 * @param embeddings      one vector per text of the request, in request order (at least one)
 * @param inputTokenCount tokens the model read, summed over the texts (special tokens included)
 * @param request         the request these vectors answer, for families whose response echoes the texts or depends
 *                        on the encodings asked for (Cohere Embed); null only where the family needs neither (Titan)
 */
public record EmbeddingOutcome(List<float[]> embeddings, int inputTokenCount, EmbeddingRequest request) {
    public EmbeddingOutcome {
        embeddings = List.copyOf(Objects.requireNonNull(embeddings, "embeddings"));
        if (embeddings.isEmpty()) {
            throw new IllegalArgumentException("an embedding outcome needs at least one vector");
        }
        if (inputTokenCount < 0) {
            throw new IllegalArgumentException("inputTokenCount must not be negative, not " + inputTokenCount);
        }
        if (request != null && request.texts().size() != embeddings.size()) {
            throw new IllegalArgumentException(embeddings.size() + " vectors for " + request.texts().size()
                    + " texts");
        }
    }

    /** An outcome without its request: enough for Titan, not for Cohere Embed (its codec refuses to encode it). */
    public EmbeddingOutcome(List<float[]> embeddings, int inputTokenCount) {
        this(embeddings, inputTokenCount, null);
    }
}
