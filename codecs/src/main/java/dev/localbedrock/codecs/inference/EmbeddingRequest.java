package dev.localbedrock.codecs.inference;

import java.util.Collections;
import java.util.EnumSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * The family-neutral request an embedding codec produces: the texts to embed, each into one vector, what to do
 * with a text longer than the model takes, and the encodings the client wants the vectors in.
 *
 * @param texts      the texts, in the order their vectors are returned (at least one; a text may be empty)
 * @param truncation how a text longer than the model's token limit is handled
 * @param encodings  the encodings the client asked for; empty means the family's default response (plain floats,
 *                   the only form Titan G1 has). The engine always produces floats; the codec derives the others
 */
public record EmbeddingRequest(List<String> texts, Truncation truncation, Set<Encoding> encodings) {
    public EmbeddingRequest {
        texts = List.copyOf(Objects.requireNonNull(texts, "texts"));
        if (texts.isEmpty()) {
            throw new IllegalArgumentException("an embedding request needs at least one text");
        }
        truncation = truncation == null ? Truncation.NONE : truncation;
        // An EnumSet copy iterates in declaration order, so a response lists its encodings the same way every time.
        encodings = encodings == null || encodings.isEmpty() ? Set.of()
                : Collections.unmodifiableSet(EnumSet.copyOf(encodings));
    }

    /** Texts with no choice of encoding (the family's default response). */
    public EmbeddingRequest(List<String> texts, Truncation truncation) {
        this(texts, truncation, Set.of());
    }

    /** One text, no truncation (Titan Embeddings). */
    public static EmbeddingRequest of(String text) {
        return new EmbeddingRequest(List.of(text), Truncation.NONE);
    }

    /** What happens to a text with more tokens than the model's limit. */
    public enum Truncation {
        /** The request fails with ValidationException naming the limit (Titan; Cohere's {@code NONE}). */
        NONE,
        /** Tokens past the limit are dropped from the end (Cohere's {@code RIGHT} / {@code END}). */
        END,
        /**
         * Tokens are dropped from the beginning until the rest fits (Cohere's {@code LEFT} / {@code START}). The
         * model's own leading and trailing special tokens stay: only the text's tokens are cut.
         */
        START
    }

    /** A form of the vector in the response; every one is derived from the float vector the engine produced. */
    public enum Encoding {
        /** The float vector itself. */
        FLOAT,
        /** One signed byte per dimension, -128..127. */
        INT8,
        /** One unsigned byte per dimension, 0..255. */
        UINT8,
        /** One sign bit per dimension, 8 to a byte, each byte written signed (-128..127). */
        BINARY,
        /** One sign bit per dimension, 8 to a byte, each byte written unsigned (0..255). */
        UBINARY
    }
}
