package dev.localbedrock.runtime.http;

import dev.localbedrock.codecs.inference.GenerationOutcome;
import dev.localbedrock.codecs.inference.InferenceFailure;
import dev.localbedrock.codecs.inference.TextGenerationRequest;
import dev.localbedrock.runtime.ModelTarget;
import dev.localbedrock.runtime.ServedModel;
import dev.localbedrock.runtime.generation.GenerationJob;
import dev.localbedrock.runtime.generation.GenerationListener;
import dev.localbedrock.runtime.quota.MeteredListener;
import dev.localbedrock.runtime.quota.UsageBudget;
import io.netty.channel.Channel;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * A text generation that a pool thread waits for (an agent's orchestration step, RetrieveAndGenerate's answer),
 * submitted as InvokeModel's are: against the target's budget (admitted first, charged as it runs, refunded when the
 * scheduler refuses it before it ran) and its reserved capacity. While it runs, the client's connection is checked
 * every 100 ms, so a client that hung up cancels the generation instead of leaving its batch slot busy.
 */
final class WaitedGeneration {
    private static final long POLL_MILLIS = 100;

    /** The client's connection closed while the generation ran; the generation was cancelled. */
    static final class ClientGone extends RuntimeException {
        ClientGone() {
            super("The client went away.", null, false, false);
        }
    }

    private WaitedGeneration() {
    }

    /**
     * Runs {@code request} (already tokenized as {@code promptIds}) to its end.
     *
     * @throws InferenceFailure          the scheduler refused it or the model failed
     * @throws dev.localbedrock.codecs.BedrockException the budget refused it (throttled)
     * @throws ClientGone                {@code channel} closed first
     */
    static GenerationOutcome run(ServedModel.Text text, ModelTarget target, int[] promptIds,
                                 TextGenerationRequest request, Channel channel) throws InterruptedException {
        CompletableFuture<GenerationOutcome> done = new CompletableFuture<>();
        GenerationListener listener = new GenerationListener() {
            @Override
            public void onComplete(GenerationOutcome outcome) {
                done.complete(outcome);
            }

            @Override
            public void onError(InferenceFailure error) {
                done.completeExceptionally(error);
            }
        };
        GenerationJob job = submit(text, target, promptIds, request, listener);
        while (true) {
            try {
                return done.get(POLL_MILLIS, TimeUnit.MILLISECONDS);
            } catch (TimeoutException e) {
                if (!channel.isActive()) {
                    job.cancel();
                    throw new ClientGone();
                }
            } catch (ExecutionException e) {
                if (e.getCause() instanceof InferenceFailure f) {
                    throw f;
                }
                throw new IllegalStateException("the generation failed: " + e.getCause(), e.getCause());
            }
        }
    }

    private static GenerationJob submit(ServedModel.Text text, ModelTarget target, int[] promptIds,
                                        TextGenerationRequest request, GenerationListener listener) {
        UsageBudget budget = target.budget();
        if (budget == null) {
            return text.worker().submitTokens(promptIds, request, listener, target.capacityTag());
        }
        budget.admit();
        MeteredListener metered = new MeteredListener(listener, budget);
        try {
            return text.worker().submitTokens(promptIds, request, metered, target.capacityTag());
        } catch (RuntimeException refused) {
            if (!metered.started()) {
                budget.refund();
            }
            throw refused;
        }
    }
}
