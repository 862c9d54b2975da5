package dev.localbedrock.engines;

/** Text to token ids and back, for one checkpoint. */
public interface TextTokenizer extends AutoCloseable {

    /** Encodes text; adds the model's BOS when {@code addSpecialTokens} and the model uses one. */
    int[] encode(String text, boolean addSpecialTokens);

    /** Decodes ids to text, skipping special tokens. Incomplete UTF-8 at the end decodes to U+FFFD. */
    String decode(int[] ids);

    /**
     * The most UTF-8 bytes of input text one token can stand for, so a text of {@code b} bytes needs at least
     * {@code ceil(b / maxBytesPerToken())} tokens; {@link Integer#MAX_VALUE} when the tokenizer promises no bound.
     * Lets a caller refuse a text too long for a context without paying to encode it.
     */
    default int maxBytesPerToken() {
        return Integer.MAX_VALUE;
    }

    @Override
    void close();
}
