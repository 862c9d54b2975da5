package dev.localbedrock.codecs.inference;

/** Why a generation ended, before each family names it in its own words. */
public enum StopReason {
    /** The model produced an end-of-sequence token. */
    END_OF_SEQUENCE,
    /** The request's token limit was reached. */
    MAX_TOKENS,
    /** One of the request's stop sequences was produced. */
    STOP_SEQUENCE,
    /** The model's context window is full. */
    CONTEXT_LENGTH
}
