package dev.localbedrock.codecs;

/**
 * Per-model wire options from a models.yaml entry, for the families that have any.
 *
 * @param strictPromptFormat Claude text completions: refuse a prompt that does not follow Bedrock's
 *                           {@code "\n\nHuman: … \n\nAssistant:"} rule exactly (false accepts what the frameworks
 *                           send: one newline before {@code Assistant:}, a system line before the first turn)
 */
public record CodecOptions(boolean strictPromptFormat) {
    /** Every option at its default. */
    public static final CodecOptions DEFAULTS = new CodecOptions(false);
}
