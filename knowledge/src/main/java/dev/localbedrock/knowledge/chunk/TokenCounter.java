package dev.localbedrock.knowledge.chunk;

/**
 * How many tokens a text encodes to in the embedding model that will embed it, special tokens included (the runtime
 * passes the served model's {@code countTokens}). The chunker holds every chunk to this count, so a chunk is never
 * truncated when it is embedded.
 */
@FunctionalInterface
public interface TokenCounter {
    int countTokens(String text);
}
