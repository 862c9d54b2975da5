package dev.localbedrock.runtime.generation;

import dev.localbedrock.codecs.inference.StopReason;
import dev.localbedrock.codecs.inference.TokenLikelihood;
import dev.localbedrock.engines.TextTokenizer;

import java.util.Set;

/**
 * Turns each sampled token into output: the stop checks (end-of-sequence, stop sequence, max tokens, context), the
 * text delta after incremental detokenising and stop-sequence holdback, the listener callbacks, and the latency
 * metrics. Called on the scheduler thread right after the step's sampling, so a token reaches its listener as soon
 * as its step ends.
 */
final class OutputProcessor {
    private final boolean[] eos;
    private final TextTokenizer tokenizer;
    private final SchedulerMetrics metrics;

    OutputProcessor(int vocabSize, Set<Integer> eosTokenIds, TextTokenizer tokenizer, SchedulerMetrics metrics) {
        this.eos = new boolean[vocabSize];
        eosTokenIds.stream().filter(id -> id >= 0 && id < vocabSize).forEach(id -> eos[id] = true);
        this.tokenizer = tokenizer;
        this.metrics = metrics;
    }

    /**
     * Applies {@code token}, sampled for {@code s} at {@code now}, whose unmodified log-probability is {@code logProb}
     * (NaN unless likelihoods were asked for). Returns true when the sequence finished.
     */
    boolean accept(Sequence s, int token, float logProb, long now) {
        RunningRequest r = s.request;
        if (r.firstTokenNanos < 0) {
            r.firstTokenNanos = now;
            metrics.onFirstToken(now - r.job.arrivalNanos());
        }
        if (s.lastTokenNanos >= 0) {
            metrics.onInterTokenLatency(now - s.lastTokenNanos);
        }
        s.lastTokenNanos = now;
        int maxNew = r.job.maxNewTokens();
        if (s.generated() >= maxNew) {
            // Only a request allowing 0 new tokens (run for its prompt's likelihoods): the sampled token, whatever
            // it is, is not output, so the reason is the limit even when it is end-of-sequence.
            return finish(s, limitReason(s));
        }
        if (token < eos.length && eos[token]) {
            return finish(s, StopReason.END_OF_SEQUENCE);
        }
        String safe = s.append(token);
        if (s.wantsLikelihoods()) {
            s.addLikelihood(new TokenLikelihood(token, tokenText(token), logProb));
        }
        emit(s, safe);
        if (s.hitStopSequence()) {
            return finish(s, StopReason.STOP_SEQUENCE);
        }
        if (s.sampler.outputComplete()) {
            // A constrained output is a complete value and only end-of-sequence may follow: stop without the step
            // that would sample it, with the reason that step would give (also when this was the last allowed token).
            return finish(s, StopReason.END_OF_SEQUENCE);
        }
        if (s.generated() >= maxNew) {
            return finish(s, limitReason(s));
        }
        s.pendingToken = token;
        return false;
    }

    /** Reports a finished request's outcome. */
    void complete(RunningRequest r) {
        r.job.listener().onComplete(r.outcome());
    }

    /** A token's own text, for likelihood reports. */
    String tokenText(int token) {
        return tokenizer.decode(new int[] {token});
    }

    private static StopReason limitReason(Sequence s) {
        return s.generated() >= s.request.job.request().maxTokens() ? StopReason.MAX_TOKENS : StopReason.CONTEXT_LENGTH;
    }

    private boolean finish(Sequence s, StopReason reason) {
        if (reason != StopReason.STOP_SEQUENCE) {
            emit(s, s.flush());
        }
        s.finished = true;
        s.stopReason = reason;
        return true;
    }

    private static void emit(Sequence s, String text) {
        if (!text.isEmpty()) {
            s.request.job.listener().onGenerationText(s.index, text, s.generated());
        }
    }
}
