package dev.localbedrock.runtime.generation;

import dev.localbedrock.codecs.inference.Generation;
import dev.localbedrock.codecs.inference.GenerationOutcome;
import dev.localbedrock.codecs.inference.TokenLikelihood;

import java.util.ArrayList;
import java.util.List;

/**
 * An admitted request and its N sequences. Sequence 0 exists from admission; the others are forked from it once its
 * prompt is in the cache (or, on an engine that cannot fork, created at admission and prefilled separately). The
 * request completes when its last sequence does.
 */
final class RunningRequest {
    final GenerationJob job;
    final Sequence[] sequences;
    /** Sequences not finished yet, counting those not created yet. */
    int unfinished;
    /** KV tokens this request still holds in the ledger. */
    long reservedKv;
    boolean siblingsCreated;
    long firstTokenNanos = -1;
    private final List<TokenLikelihood> promptLikelihoods;

    RunningRequest(GenerationJob job) {
        this.job = job;
        this.sequences = new Sequence[job.numGenerations()];
        this.unfinished = sequences.length;
        this.siblingsCreated = sequences.length == 1;
        this.promptLikelihoods = wantsPromptLikelihoods() ? new ArrayList<>() : null;
    }

    boolean wantsPromptLikelihoods() {
        return job.request().returnLikelihoods().includesPrompt();
    }

    void addPromptLikelihood(TokenLikelihood likelihood) {
        promptLikelihoods.add(likelihood);
    }

    GenerationOutcome outcome() {
        List<Generation> generations = new ArrayList<>(sequences.length);
        for (Sequence s : sequences) {
            generations.add(s.toGeneration());
        }
        return GenerationOutcome.of(job.promptTokens(), generations, promptLikelihoods);
    }
}
