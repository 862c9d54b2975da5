package dev.localbedrock.codecs.inference;

import java.util.List;
import java.util.Objects;

/**
 * The family-neutral request an embedding codec produces: the texts to embed, each into one vector, and what to do
 * with a text longer than the model takes.
 *
 * @param texts      the texts, in the order their vectors are returned (at least one)
 * @param truncation how a text longer than the model's token limit is handled
 */
public record EmbeddingRequest(List<String> texts, Truncation truncation) {
    public EmbeddingRequest {
        texts = List.copyOf(Objects.requireNonNull(texts, "texts"));
        if (texts.isEmpty()) {
            throw new IllegalArgumentException("an embedding request needs at least one text");
        }
        truncation = truncation == null ? Truncation.NONE : truncation;
    }

    /** One text, no truncation (Titan Embeddings). */
    public static EmbeddingRequest of(String text) {
        return new EmbeddingRequest(List.of(text), Truncation.NONE);
    }

    /** What happens to a text with more tokens than the model's limit. */
    public enum Truncation {
        /** The request fails with ValidationException naming the limit (Titan; Cohere's {@code NONE}). */
        NONE,
        /** Tokens past the limit are dropped from the end (Cohere's {@code RIGHT}). */
        END,
        /** Tokens are dropped from the beginning until the rest fits (Cohere's {@code LEFT}). */
        START
    }
}
