package dev.localbedrock.codecs.inference;

import java.util.Objects;

/**
 * The three repetition penalties a request may carry, applied to the counts of tokens in the prompt and the
 * completion so far (bedrock-spec §2.6). With {@code c_t} the occurrences of token {@code t} and {@code n} the number
 * of prompt plus generated tokens counted:
 * <ul>
 *   <li>presence: {@code l_t -= scale} when {@code c_t > 0};</li>
 *   <li>count: {@code l_t -= scale × c_t};</li>
 *   <li>frequency: {@code l_t -= scale × c_t / n}.</li>
 * </ul>
 *
 * @param presence  subtracted once from every token already seen
 * @param count     subtracted once per occurrence
 * @param frequency subtracted in proportion to the token's share of the text
 */
public record RepetitionPenalties(Penalty presence, Penalty count, Penalty frequency) {
    /** No penalties. */
    public static final RepetitionPenalties NONE = new RepetitionPenalties(Penalty.NONE, Penalty.NONE, Penalty.NONE);

    public RepetitionPenalties {
        Objects.requireNonNull(presence, "presence");
        Objects.requireNonNull(count, "count");
        Objects.requireNonNull(frequency, "frequency");
    }

    /** Whether any penalty changes a logit. */
    public boolean isActive() {
        return presence.isActive() || count.isActive() || frequency.isActive();
    }
}
