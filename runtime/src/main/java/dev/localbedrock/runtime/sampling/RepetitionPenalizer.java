package dev.localbedrock.runtime.sampling;

import dev.localbedrock.codecs.inference.Penalty;
import dev.localbedrock.codecs.inference.RepetitionPenalties;

/**
 * Applies AI21 Jurassic-2's three repetition penalties (bedrock-spec §2.6) to a row of logits in place. For every
 * token {@code t} seen {@code c_t > 0} times among the {@code n} prompt and generated tokens counted so far, and not
 * exempt by its class, in this order and in float32:
 * <pre>
 *   l_t = l_t − presence.scale                 (presence: once, however often t occurred)
 *   l_t = l_t − count.scale × c_t              (count: per occurrence)
 *   l_t = l_t − frequency.scale × c_t / n      (frequency: by the token's share of the text)
 * </pre>
 * Each penalty has its own exemptions from its {@code applyTo*} flags (a false flag exempts that class, except
 * {@code applyToEmojis}, where true exempts emojis, as the spec states); BOS/EOS are always exempt. Unseen tokens are
 * untouched, so the cost is {@code O(distinct tokens)} per step, not {@code O(vocabulary)}.
 */
public final class RepetitionPenalizer {
    private final float presence;
    private final float count;
    private final float frequency;
    private final int presenceExempt;
    private final int countExempt;
    private final int frequencyExempt;
    private final TokenClasses classes;

    private RepetitionPenalizer(RepetitionPenalties p, TokenClasses classes) {
        this.presence = p.presence().scale();
        this.count = p.count().scale();
        this.frequency = p.frequency().scale();
        this.presenceExempt = exemptClasses(p.presence());
        this.countExempt = exemptClasses(p.count());
        this.frequencyExempt = exemptClasses(p.frequency());
        this.classes = classes == null ? TokenClasses.NONE : classes;
    }

    /** A penalizer for {@code penalties}, or null when none is active (callers then skip the step). */
    public static RepetitionPenalizer of(RepetitionPenalties penalties, TokenClasses classes) {
        return penalties.isActive() ? new RepetitionPenalizer(penalties, classes) : null;
    }

    /** The {@link TokenClasses} bits a penalty leaves alone. */
    static int exemptClasses(Penalty p) {
        int mask = TokenClasses.SPECIAL;
        if (!p.applyToWhitespaces()) {
            mask |= TokenClasses.WHITESPACE;
        }
        if (!p.applyToPunctuations()) {
            mask |= TokenClasses.PUNCTUATION;
        }
        if (!p.applyToNumbers()) {
            mask |= TokenClasses.NUMBER;
        }
        if (!p.applyToStopwords()) {
            mask |= TokenClasses.STOPWORD;
        }
        if (p.applyToEmojis()) {
            mask |= TokenClasses.EMOJI; // "true → emojis are excluded from the penalty" (bedrock-spec §2.6, #9)
        }
        return mask;
    }

    /** Penalises {@code logits} in place for the tokens in {@code counts}. */
    public void apply(float[] logits, TokenCounts counts) {
        int n = counts.total();
        for (int i = 0, d = counts.distinct(); i < d; i++) {
            int id = counts.idAt(i);
            if (id < 0 || id >= logits.length) {
                continue;
            }
            int c = counts.countAt(i);
            int cls = classes.classOf(id);
            float l = logits[id];
            if (presence != 0f && (cls & presenceExempt) == 0) {
                l = l - presence;
            }
            if (count != 0f && (cls & countExempt) == 0) {
                l = l - count * c;
            }
            if (frequency != 0f && (cls & frequencyExempt) == 0) {
                l = l - frequency * c / n;
            }
            logits[id] = l;
        }
    }
}
