package dev.localbedrock.runtime.generation;

import dev.localbedrock.codecs.inference.Generation;
import dev.localbedrock.codecs.inference.GenerationOutcome;
import dev.localbedrock.codecs.inference.InferenceFailure;
import dev.localbedrock.runtime.grammar.JsonConstraints;
import dev.localbedrock.codecs.inference.PromptTruncation;
import dev.localbedrock.codecs.inference.StopReason;
import dev.localbedrock.codecs.inference.TextGenerationRequest;
import dev.localbedrock.engines.DecoderModel;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.LongSupplier;

/**
 * Turns a request into a queued {@link GenerationJob} on the caller's thread (the connection's event loop):
 * tokenises, cuts a too-long prompt when the request asked for that, checks that the request can ever run on this
 * model, fixes its seed, deadline and token limit, and queues it or refuses it at once.
 *
 * <p>Prompt truncation ({@link TextGenerationRequest#promptTruncation()}): a prompt fits when it leaves room for the
 * whole generation, that is when it has at most {@code contextTokens - min(maxTokens, contextTokens - 1)} tokens (so
 * at least one prompt token always fits). With {@link PromptTruncation#NONE} a prompt that does not leave room for
 * at least one generated token is refused, and a shorter one runs with its generation capped by the context (stop
 * reason CONTEXT_LENGTH). With {@link PromptTruncation#END} a longer prompt keeps its first that-many tokens; with
 * {@link PromptTruncation#START} it keeps its last ones, except that a leading BOS token stays first (the model was
 * trained to see it there) whenever at least two tokens fit. The input token count reported is the tokens kept.
 *
 * <p>A request for 0 new tokens that does not ask for the prompt's likelihoods completes here, before it is queued:
 * nothing needs the model, so it takes no slot and no KV. One that asks for them runs its prefill and then ends.
 */
final class RequestIntake {
    private final String name;
    private final DecoderModel model;
    private final WorkerSettings settings;
    private final int contextTokens;
    private final WaitingQueue waiting;
    private final SchedulerMetrics metrics;
    private final LongSupplier clock;

    RequestIntake(String name, DecoderModel model, WorkerSettings settings, WaitingQueue waiting,
                  SchedulerMetrics metrics, LongSupplier clock) {
        this.name = name;
        this.model = model;
        this.settings = settings;
        this.contextTokens = Math.min(settings.maxContextTokens(), model.info().maxPositions());
        this.waiting = waiting;
        this.metrics = metrics;
        this.clock = clock;
    }

    /** Tokens a sequence may hold (prompt + generation). */
    int contextTokens() {
        return contextTokens;
    }

    GenerationJob submit(TextGenerationRequest request, GenerationListener listener, String capacityTag) {
        String prompt = request.prompt();
        if (request.promptTruncation() == PromptTruncation.NONE) {
            checkPromptSize(prompt);
        } else {
            prompt = truncationWindow(prompt, request.promptTruncation());
        }
        return submitTokens(model.tokenizer().encode(prompt, true), request, listener, capacityTag);
    }

    /** Characters encoded beyond the ones that must hold the kept tokens, so merges at the cut do not matter. */
    static final int WINDOW_MARGIN_CHARS = 256;

    /**
     * The part of a prompt that truncation can keep tokens from: a text of {@code c} characters has at least
     * {@code c} UTF-8 bytes, so at least {@code c / maxBytesPerToken} tokens; its first (END) or last (START)
     * {@code contextTokens × maxBytesPerToken} characters, plus a margin, therefore hold every token that can be kept.
     * Encoding only that window bounds the work by the context, not by the body (megabytes of prompt would otherwise
     * take seconds of tokenizer time to cut down to a few thousand tokens).
     */
    private String truncationWindow(String prompt, PromptTruncation side) {
        int span = model.tokenizer().maxBytesPerToken();
        if (span == Integer.MAX_VALUE) {
            return prompt;
        }
        long keep = (long) contextTokens * span + WINDOW_MARGIN_CHARS;
        if (prompt.length() <= keep) {
            return prompt;
        }
        int cut = (int) keep;
        if (side == PromptTruncation.END) {
            // Never split a surrogate pair.
            return prompt.substring(0, Character.isHighSurrogate(prompt.charAt(cut - 1)) ? cut - 1 : cut);
        }
        int from = prompt.length() - cut;
        return prompt.substring(Character.isLowSurrogate(prompt.charAt(from)) ? from + 1 : from);
    }

    /**
     * Refuses, without encoding it, a prompt whose size alone shows it cannot fit the context: it needs at least
     * {@code bytes / maxBytesPerToken} tokens. Encoding costs time in proportion to the text (seconds for the
     * megabytes a body may hold); this check costs one pass over its characters.
     */
    private void checkPromptSize(String prompt) {
        int span = model.tokenizer().maxBytesPerToken();
        if (span == Integer.MAX_VALUE) {
            return;
        }
        long bytes = utf8Length(prompt);
        long fits = (long) contextTokens * span;
        if (bytes > fits) {
            throw InferenceFailure.invalid("Input is too long for requested model: the prompt is " + bytes
                    + " bytes, more than the model's context of " + contextTokens + " tokens can hold (one token "
                    + "covers at most " + span + " bytes).");
        }
    }

    static long utf8Length(String s) {
        long bytes = 0;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < 0x80) {
                bytes += 1;
            } else if (c < 0x800) {
                bytes += 2;
            } else if (Character.isHighSurrogate(c) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) {
                bytes += 4;
                i++;
            } else {
                bytes += 3; // lone surrogates become U+FFFD, 3 bytes
            }
        }
        return bytes;
    }

    /**
     * Queues a request whose prompt is already token ids ({@code request.prompt()} is then not read), cut first as
     * its {@link TextGenerationRequest#promptTruncation()} says (see the class comment for the rule).
     *
     * @throws InferenceFailure INVALID_REQUEST when the request cannot run on this model, OVERLOADED when the queue
     *                          is full or the expected wait too long
     */
    GenerationJob submitTokens(int[] promptIds, TextGenerationRequest request, GenerationListener listener,
                               String capacityTag) {
        promptIds = truncated(promptIds, request);
        checkPrompt(promptIds, request.promptTruncation() != PromptTruncation.NONE);
        int n = request.numGenerations();
        if (n > settings.maxRunningSequences()) {
            throw InferenceFailure.invalid("The request asks for " + n + " generations; " + name
                    + " runs at most " + settings.maxRunningSequences() + " sequences at once.");
        }
        int vocab = model.info().vocabSize();
        for (int id : request.sampling().logitBias().keySet()) {
            if (id < 0 || id >= vocab) {
                throw InferenceFailure.invalid("logit_bias names token id " + id + ", outside this model's "
                        + "vocabulary [0, " + vocab + ").");
            }
        }
        if (request.constraint() != null) {
            try { // compiled (and cached) here, on the caller's thread, so the scheduler never meets a bad schema
                JsonConstraints.forSchema(model.tokenizer(), vocab, model.info().eosTokenIds(),
                        request.constraint().schema());
            } catch (IllegalArgumentException e) {
                throw InferenceFailure.invalid("The output schema is not supported: " + e.getMessage());
            }
        }
        int maxNew = Math.max(0, Math.min(request.maxTokens(), contextTokens - promptIds.length));
        long kvNeeded = ((long) promptIds.length + maxNew) * n;
        if (kvNeeded > settings.kvCacheTokens()) {
            throw InferenceFailure.invalid("The request needs " + kvNeeded + " KV cache tokens (prompt plus "
                    + "maximum generation, times " + n + " generations) but " + name + "'s cache holds "
                    + settings.kvCacheTokens() + ".");
        }
        long seed = request.sampling().seed() != null ? request.sampling().seed()
                : settings.seed() != null ? settings.seed() : ThreadLocalRandom.current().nextLong();
        long now = clock.getAsLong();
        GenerationJob job = new GenerationJob(request, promptIds, maxNew, seed, listener, capacityTag, now,
                now + settings.requestTimeout().toNanos());
        if (maxNew == 0 && !request.returnLikelihoods().includesPrompt()) {
            completeEmpty(job);
            return job;
        }
        try {
            waiting.offer(job);
        } catch (InferenceFailure e) {
            metrics.onThrottled();
            throw e;
        }
        return job;
    }

    /**
     * The tokens of {@code promptIds} the model will see: all of them, or for a truncating request whose prompt does
     * not leave room for its whole generation, the {@link #promptBudget} of them that the class comment describes.
     */
    int[] truncated(int[] promptIds, TextGenerationRequest request) {
        PromptTruncation mode = request.promptTruncation();
        int budget = promptBudget(request.maxTokens());
        if (mode == PromptTruncation.NONE || promptIds.length <= budget) {
            return promptIds;
        }
        if (mode == PromptTruncation.END) {
            return Arrays.copyOf(promptIds, budget);
        }
        int[] kept = new int[budget];
        int from = 0;
        if (budget >= 2 && promptIds[0] == model.info().bosTokenId()) {
            kept[from++] = promptIds[0];
        }
        System.arraycopy(promptIds, promptIds.length - (budget - from), kept, from, budget - from);
        return kept;
    }

    /**
     * Prompt tokens that leave room for {@code maxTokens} new ones: {@code contextTokens - min(maxTokens,
     * contextTokens - 1)}, so never fewer than 1.
     */
    int promptBudget(int maxTokens) {
        return contextTokens - Math.min(maxTokens, contextTokens - 1);
    }

    /** Ends a request that may generate nothing: it starts and completes at once, each generation empty. */
    private static void completeEmpty(GenerationJob job) {
        List<Generation> generations = new ArrayList<>(job.numGenerations());
        for (int i = 0; i < job.numGenerations(); i++) {
            generations.add(new Generation(i, "", new int[0], 0, StopReason.MAX_TOKENS, List.of()));
        }
        job.listener().onStart(job.promptTokens());
        job.listener().onComplete(GenerationOutcome.of(job.promptTokens(), generations, List.of()));
    }

    /** {@code truncated}: the prompt has been cut to its budget already, which always fits. */
    private void checkPrompt(int[] promptIds, boolean truncated) {
        if (promptIds.length == 0) {
            throw InferenceFailure.invalid("The prompt encodes to no tokens.");
        }
        if (!truncated && promptIds.length >= contextTokens) {
            throw InferenceFailure.invalid("Input is too long for requested model: the prompt is "
                    + promptIds.length + " tokens and the model's context holds " + contextTokens
                    + " tokens including at least 1 generated token.");
        }
        int vocab = model.info().vocabSize();
        for (int id : promptIds) {
            if (id < 0 || id >= vocab) {
                throw InferenceFailure.invalid("The prompt contains token id " + id + ", outside this model's "
                        + "vocabulary [0, " + vocab + ").");
            }
        }
    }
}
