package dev.localbedrock.codecs.inference;

/**
 * One repetition penalty, family-neutral (AI21 Jurassic-2's {@code presencePenalty}, {@code countPenalty} and
 * {@code frequencyPenalty} objects map onto it one to one). The scale says how much is subtracted from a logit; the
 * flags say which kinds of token the penalty touches at all, classified by each token's decoded text.
 *
 * <p>The flags follow bedrock-spec §2.6 as written: {@code applyToWhitespaces}, {@code applyToPunctuations},
 * {@code applyToNumbers} and {@code applyToStopwords} set to true put those tokens <em>under</em> the penalty, while
 * {@code applyToEmojis} set to true <em>excludes</em> emojis from it (the guide's wording, kept as the spec's errata
 * table #9 asks). Every flag defaults to true.
 *
 * @param scale               0 disables the penalty; larger values penalise more
 * @param applyToWhitespaces  true: whitespace and newline tokens are penalised
 * @param applyToPunctuations true: punctuation tokens are penalised
 * @param applyToNumbers      true: number tokens are penalised
 * @param applyToStopwords    true: stopword tokens are penalised
 * @param applyToEmojis       true: emoji tokens are <em>excluded</em> from the penalty (as the guide states)
 */
public record Penalty(float scale, boolean applyToWhitespaces, boolean applyToPunctuations, boolean applyToNumbers,
                      boolean applyToStopwords, boolean applyToEmojis) {

    /** No penalty. */
    public static final Penalty NONE = of(0f);

    /** A penalty of {@code scale} with every flag at its default (true). */
    public static Penalty of(float scale) {
        return new Penalty(scale, true, true, true, true, true);
    }

    /** Whether this penalty changes any logit. */
    public boolean isActive() {
        return scale != 0f;
    }
}
