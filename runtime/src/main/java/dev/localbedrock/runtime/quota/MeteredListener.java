package dev.localbedrock.runtime.quota;

import dev.localbedrock.codecs.inference.GenerationOutcome;
import dev.localbedrock.codecs.inference.InferenceFailure;
import dev.localbedrock.runtime.generation.GenerationListener;

import java.util.HashMap;
import java.util.Map;

/**
 * Charges a generation's tokens to its {@link UsageBudget} (on-demand quota or provisioned throughput) as they become
 * known, then passes every callback on: the prompt
 * when the model starts on it, the output when it completes, or — when it fails or is cancelled part way — the output
 * generated so far. The charge is made before the response is handed on, so a client's next request already sees it.
 * The scheduler calls a listener from one thread at a time, so the counts need no synchronisation.
 */
public final class MeteredListener implements GenerationListener {
    private final GenerationListener delegate;
    private final UsageBudget budget;
    private final Map<Integer, Integer> outputByGeneration = new HashMap<>(2);
    private boolean started;

    public MeteredListener(GenerationListener delegate, UsageBudget budget) {
        this.delegate = delegate;
        this.budget = budget;
    }

    /** Whether the model started on the prompt (and so charged it). */
    public boolean started() {
        return started;
    }

    @Override
    public void onStart(int inputTokenCount) {
        started = true;
        budget.chargeInput(inputTokenCount);
        delegate.onStart(inputTokenCount);
    }

    @Override
    public void onText(String text, int outputTokenCount) {
        outputByGeneration.put(0, outputTokenCount);
        delegate.onText(text, outputTokenCount);
    }

    @Override
    public void onGenerationText(int index, String text, int outputTokenCount) {
        outputByGeneration.put(index, outputTokenCount);
        delegate.onGenerationText(index, text, outputTokenCount);
    }

    @Override
    public void onComplete(GenerationOutcome outcome) {
        budget.chargeOutput(outcome.outputTokenCount());
        delegate.onComplete(outcome);
    }

    @Override
    public void onError(InferenceFailure error) {
        long generated = 0;
        for (int count : outputByGeneration.values()) {
            generated += count;
        }
        budget.chargeOutput(generated);
        delegate.onError(error);
    }
}
