package dev.localbedrock.runtime.sampling;

import dev.localbedrock.codecs.inference.SamplingParameters;

import java.util.SplittableRandom;

/**
 * Picks the next token of one sequence from its row of f32 logits over the whole vocabulary. The pipeline, in order:
 * <ol>
 *   <li>repetition penalties over the prompt and generated tokens ({@link RepetitionPenalizer});</li>
 *   <li>logit bias ({@link LogitBias});</li>
 *   <li>the output constraint, if any ({@link TokenConstraint}): tokens that cannot continue a valid output become
 *       −∞, so what follows only ever sees allowed tokens;</li>
 *   <li>temperature 0: greedy {@code argmax}, ties to the lowest id; otherwise temperature, top-k, top-p and one draw
 *       ({@link TokenSelector}), with {@code u ∈ [0, 1)} from this sequence's own {@link SplittableRandom}.</li>
 * </ol>
 * Steps 1–3 modify the row in place (the row belongs to this sequence for the step). Because the random source is
 * per sequence and a row's logits do not depend on its neighbours, a seeded generation is reproducible bit for bit
 * whatever else shares the batch. One per sequence; not thread-safe.
 */
public final class Sampler {
    private final SamplingParameters params;
    private final SplittableRandom random;
    private final RepetitionPenalizer penalizer;
    /** Prompt plus generated tokens; null when no penalty needs them. */
    private final TokenCounts counts;
    private final LogitBias bias;
    /** Constrained decoding's per-sequence state; null for free text (which then pays nothing for it). */
    private final TokenConstraint constraint;
    private TokenSelector ownSelector;

    /** Temperature, top-k and top-p only (penalties, if any, see no prompt and classify nothing). */
    public Sampler(SamplingParameters params, long seed) {
        this(params, seed, TokenClasses.NONE, new int[0]);
    }

    /**
     * @param classes   token classes for the penalties' {@code applyTo*} flags
     * @param promptIds the prompt, which the penalties count as already present
     */
    public Sampler(SamplingParameters params, long seed, TokenClasses classes, int[] promptIds) {
        this(params, seed, classes, promptIds, null);
    }

    /** As above, with the output held to {@code constraint} (null: free text). */
    public Sampler(SamplingParameters params, long seed, TokenClasses classes, int[] promptIds,
                   TokenConstraint constraint) {
        this.constraint = constraint;
        this.params = params;
        this.random = new SplittableRandom(seed);
        this.penalizer = RepetitionPenalizer.of(params.penalties(), classes);
        this.counts = penalizer == null ? null : TokenCounts.of(promptIds);
        this.bias = LogitBias.of(params.logitBias());
    }

    private Sampler(Sampler source, long seed) {
        this.params = source.params;
        this.random = new SplittableRandom(seed);
        this.penalizer = source.penalizer;
        this.counts = source.counts == null ? null : source.counts.copy();
        this.bias = source.bias;
        this.constraint = source.constraint == null ? null : source.constraint.copy();
    }

    /** A sampler for another generation of the same prompt: same settings and counts so far, its own seed. */
    public Sampler fork(long seed) {
        return new Sampler(this, seed);
    }

    /** Whether a constrained output is complete, so nothing but end-of-sequence may follow; false for free text. */
    public boolean outputComplete() {
        return constraint != null && constraint.isComplete();
    }

    /** Index of the largest logit; the lowest index wins a tie. NaN never wins. */
    public static int argmax(float[] logits) {
        return TokenSelector.argmax(logits);
    }

    /** {@link #sample(float[], TokenSelector)} with buffers of this sampler's own (offline use). */
    public int sample(float[] logits) {
        if (ownSelector == null) {
            ownSelector = new TokenSelector();
        }
        return sample(logits, ownSelector);
    }

    /** Picks the next token; modifies {@code logits} in place when penalties or bias apply. */
    public int sample(float[] logits, TokenSelector selector) {
        if (penalizer != null) {
            penalizer.apply(logits, counts);
        }
        if (bias != null) {
            bias.apply(logits);
        }
        if (constraint != null) {
            constraint.mask(logits);
        }
        int token = params.isGreedy() ? TokenSelector.argmax(logits)
                : selector.select(logits, params.temperature(), params.topK(), params.topP(), random.nextDouble());
        if (constraint != null) {
            token = constraint.accept(token, logits);
        }
        if (counts != null) {
            counts.add(token);
        }
        return token;
    }
}
