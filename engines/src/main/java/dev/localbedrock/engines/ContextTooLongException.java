package dev.localbedrock.engines;

/**
 * A requested per-sequence context ({@link EngineOptions#maxSequenceTokens()}) the model cannot hold. Callers that
 * took the number from their own setting (models.yaml's {@code max_context_tokens}, a command-line flag) report it
 * under that setting's name with {@link #describe}; the message names the engine option.
 */
public final class ContextTooLongException extends IllegalArgumentException {
    private final int requested;
    private final String limit;

    /**
     * @param requested the context asked for, in tokens
     * @param limit     what it exceeds, in words (e.g. "the model's max_position_embeddings 512")
     */
    public ContextTooLongException(int requested, String limit) {
        super("maxSequenceTokens " + requested + " exceeds " + limit);
        this.requested = requested;
        this.limit = limit;
    }

    /** The same refusal, naming {@code setting} as the source of the number. */
    public String describe(String setting) {
        return setting + " " + requested + " exceeds " + limit;
    }
}
