package dev.localbedrock.runtime.quota;

/**
 * What one model unit of provisioned throughput buys on a model ({@code model_unit} in models.yaml): input and output
 * tokens per minute, and batch slots the scheduler keeps for it. A provisioned model of N units gets N times each.
 * Bedrock does not publish these figures; {@code bedrock-runtime capacity} measures what this host sustains
 * (docs/provisioned-throughput.md).
 *
 * @param inputTokensPerMinute  prompt tokens per minute per unit
 * @param outputTokensPerMinute generated tokens per minute per unit (0 for an embedding model, which generates none)
 * @param sequences             batch slots reserved per unit (text models); their KV share comes with them
 */
public record ModelUnit(int inputTokensPerMinute, int outputTokensPerMinute, int sequences) {
    /** The default unit when models.yaml names none: a modest CPU-sized figure; measure the real one. */
    public static final ModelUnit DEFAULT_TEXT = new ModelUnit(60_000, 6_000, 1);
    public static final ModelUnit DEFAULT_EMBEDDING = new ModelUnit(300_000, 0, 0);

    public ModelUnit {
        if (inputTokensPerMinute < 1 || inputTokensPerMinute > Quota.MAX_PER_MINUTE || outputTokensPerMinute < 0
                || outputTokensPerMinute > Quota.MAX_PER_MINUTE || sequences < 0 || sequences > 1 << 16) {
            throw new IllegalArgumentException("model unit out of range: " + inputTokensPerMinute + " / "
                    + outputTokensPerMinute + " / " + sequences);
        }
    }
}
