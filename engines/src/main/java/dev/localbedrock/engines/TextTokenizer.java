package dev.localbedrock.engines;

/** Text to token ids and back, for one checkpoint. */
public interface TextTokenizer extends AutoCloseable {

    /** Encodes text; adds the model's BOS when {@code addSpecialTokens} and the model uses one. */
    int[] encode(String text, boolean addSpecialTokens);

    /** Decodes ids to text, skipping special tokens. Incomplete UTF-8 at the end decodes to U+FFFD. */
    String decode(int[] ids);

    @Override
    void close();
}
