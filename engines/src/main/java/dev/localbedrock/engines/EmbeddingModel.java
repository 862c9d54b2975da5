package dev.localbedrock.engines;

import java.util.List;

/**
 * A text-embedding model: texts in, one fixed-length float vector per text out. Implementations are thread-safe
 * unless they say otherwise.
 */
public interface EmbeddingModel extends AutoCloseable {

    /** Length of every vector {@link #embed} returns. */
    int dimensions();

    /** Tokens (special tokens included) one text is truncated to before it is embedded. */
    int maxTokens();

    /**
     * Embeds {@code texts} in batches; {@code result[i]} belongs to {@code texts.get(i)}. Texts longer than
     * {@link #maxTokens()} are truncated.
     */
    float[][] embed(List<String> texts);

    /** Which end of a text over {@link #maxTokens()} loses tokens; the special tokens at both ends always stay. */
    enum TruncationSide {
        /** Tokens past the limit are dropped (the default). */
        END,
        /** Tokens are dropped from the beginning, so the text's last tokens are embedded. */
        START
    }

    /**
     * {@link #embed(List)}, with {@code sides.get(i)} saying which end of {@code texts.get(i)} is cut when it is too
     * long. The default supports only {@link TruncationSide#END}.
     *
     * @throws UnsupportedOperationException when a text asks for a side this model cannot cut
     */
    default float[][] embed(List<String> texts, List<TruncationSide> sides) {
        if (sides.size() != texts.size()) {
            throw new IllegalArgumentException(sides.size() + " truncation sides for " + texts.size() + " texts");
        }
        if (sides.contains(TruncationSide.START)) {
            throw new UnsupportedOperationException(getClass().getSimpleName() + " cannot truncate from the start");
        }
        return embed(texts);
    }

    /**
     * Tokens {@code text} encodes to, special tokens included, before truncation; more than {@link #maxTokens()}
     * means {@link #embed} would truncate it.
     */
    int countTokens(String text);

    @Override
    void close();
}
