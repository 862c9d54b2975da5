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

    /**
     * Tokens {@code text} encodes to, special tokens included, before truncation; more than {@link #maxTokens()}
     * means {@link #embed} would truncate it.
     */
    int countTokens(String text);

    @Override
    void close();
}
