package dev.localbedrock.runtime.generation;

import dev.localbedrock.codecs.inference.InferenceFailure;
import dev.localbedrock.codecs.inference.TextGenerationRequest;
import dev.localbedrock.engines.DecoderModel;

import java.util.concurrent.ThreadLocalRandom;
import java.util.function.LongSupplier;

/**
 * Turns a request into a queued {@link GenerationJob} on the caller's thread (the connection's event loop):
 * tokenises, checks that the request can ever run on this model, fixes its seed, deadline and token limit, and
 * queues it or refuses it at once.
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
        checkPromptSize(request.prompt());
        return submitTokens(model.tokenizer().encode(request.prompt(), true), request, listener, capacityTag);
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
     * Queues a request whose prompt is already token ids ({@code request.prompt()} is then not read).
     *
     * @throws InferenceFailure INVALID_REQUEST when the request cannot run on this model, OVERLOADED when the queue
     *                          is full or the expected wait too long
     */
    GenerationJob submitTokens(int[] promptIds, TextGenerationRequest request, GenerationListener listener,
                               String capacityTag) {
        checkPrompt(promptIds);
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
        try {
            waiting.offer(job);
        } catch (InferenceFailure e) {
            metrics.onThrottled();
            throw e;
        }
        return job;
    }

    private void checkPrompt(int[] promptIds) {
        if (promptIds.length == 0) {
            throw InferenceFailure.invalid("The prompt encodes to no tokens.");
        }
        if (promptIds.length >= contextTokens) {
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
