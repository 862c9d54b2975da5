package dev.localbedrock.runtime.generation;

import dev.localbedrock.codecs.inference.Generation;
import dev.localbedrock.codecs.inference.StopReason;
import dev.localbedrock.codecs.inference.TokenLikelihood;
import dev.localbedrock.engines.SequenceState;
import dev.localbedrock.engines.tokenizer.IncrementalDecoder;
import dev.localbedrock.runtime.sampling.Sampler;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * One generation in the batch: where it is in its prompt, the token it will feed next, its KV state, and the text it
 * has produced. The scheduler reads only its counts ({@link #remainingPrompt()}, {@link #isDecoding()}); the runner
 * turns those counts into token ids; the output processor appends what the sampler picked.
 */
final class Sequence {
    final RunningRequest request;
    final int index;
    final Sampler sampler;
    private final IncrementalDecoder detokenizer;
    private final StopSequenceMatcher stops;
    private final StringBuilder text = new StringBuilder();
    private final List<TokenLikelihood> likelihoods;
    private int[] tokens = new int[16];
    private int generated;

    /** KV state; null until allocated and after release. */
    SequenceState kv;
    /** Prompt tokens already in the KV cache. */
    int computed;
    /**
     * With prefix caching, the cacheable end of the prompt ({@link PrefixCache#cacheableTokens}): until there the
     * prompt is fed one {@link #alignBlock} per chunk, so its KV is the same however much of it came from the cache.
     * 0 when not aligned; lowered to the last boundary reached if a step's budget cuts a chunk short.
     */
    int alignUntil;
    int alignBlock = 1;
    /** Whether this prompt's cacheable prefix has been offered to the cache. */
    boolean prefixOffered;
    /** The last sampled token, not yet in the KV cache; -1 when none. */
    int pendingToken = -1;
    boolean finished;
    StopReason stopReason;
    long lastTokenNanos = -1;

    Sequence(RunningRequest request, int index, Sampler sampler, IncrementalDecoder detokenizer,
             StopSequenceMatcher stops) {
        this.request = request;
        this.index = index;
        this.sampler = sampler;
        this.detokenizer = detokenizer;
        this.stops = stops;
        this.likelihoods = request.job.request().returnLikelihoods().includesGeneration() ? new ArrayList<>() : null;
    }

    int promptLength() {
        return request.job.promptTokens();
    }

    int remainingPrompt() {
        return promptLength() - computed;
    }

    boolean isPrefilling() {
        return !finished && kv != null && computed < promptLength();
    }

    boolean isDecoding() {
        return !finished && kv != null && pendingToken >= 0;
    }

    /** The most prompt tokens one step may feed: 1 when every prompt position's logits are wanted. */
    int maxPromptChunk() {
        if (index == 0 && request.wantsPromptLikelihoods()) {
            return 1;
        }
        return computed < alignUntil ? alignBlock - computed % alignBlock : Integer.MAX_VALUE;
    }

    /** The ids this sequence feeds in a step that schedules {@code count} tokens for it. */
    int[] nextInput(int count) {
        if (pendingToken >= 0) {
            return new int[] {pendingToken};
        }
        return Arrays.copyOfRange(request.job.promptIds(), computed, computed + count);
    }

    /** Records that the step's {@code count} tokens are now in the KV cache. */
    void advance(int count) {
        if (pendingToken >= 0) {
            pendingToken = -1;
        } else {
            if (computed < alignUntil && (computed + count) % alignBlock != 0) {
                alignUntil = computed / alignBlock * alignBlock; // a chunk cut short: alignment ends here
            }
            computed += count;
        }
    }

    int generated() {
        return generated;
    }

    /** Appends a generated token; returns the text it makes safe to emit (after detokenising and stop holdback). */
    String append(int token) {
        if (generated == tokens.length) {
            tokens = Arrays.copyOf(tokens, generated * 2);
        }
        tokens[generated++] = token;
        String safe = stops.push(detokenizer.push(token));
        text.append(safe);
        return safe;
    }

    /** Whether the text produced so far contains a stop sequence. */
    boolean hitStopSequence() {
        return stops.stopped();
    }

    /** The stop sequence that ended this generation, or null. */
    String matchedStopSequence() {
        return stops.matched();
    }

    /** At the end: the text still held back by the detokeniser and the stop matcher. */
    String flush() {
        String rest = stops.push(detokenizer.flush()) + stops.flush();
        text.append(rest);
        return rest;
    }

    void addLikelihood(TokenLikelihood likelihood) {
        likelihoods.add(likelihood);
    }

    boolean wantsLikelihoods() {
        return likelihoods != null;
    }

    Generation toGeneration() {
        return new Generation(index, text.toString(), Arrays.copyOf(tokens, generated), generated, stopReason,
                likelihoods, stopReason == StopReason.STOP_SEQUENCE ? stops.matched() : null);
    }
}
