package dev.localbedrock.runtime.generation;

import dev.localbedrock.codecs.inference.InferenceFailure;
import dev.localbedrock.codecs.inference.GenerationOutcome;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/** Collects one request's callbacks. */
class RecordingListener implements GenerationListener {
    final CompletableFuture<GenerationOutcome> outcome = new CompletableFuture<>();
    final List<String> texts = new ArrayList<>();
    final List<String> indexedTexts = new ArrayList<>();
    volatile int started = -1;
    volatile InferenceFailure error;

    @Override
    public void onStart(int inputTokenCount) {
        started = inputTokenCount;
    }

    @Override
    public synchronized void onText(String text, int outputTokenCount) {
        texts.add(text);
    }

    @Override
    public synchronized void onGenerationText(int index, String text, int outputTokenCount) {
        indexedTexts.add(index + ":" + text);
        GenerationListener.super.onGenerationText(index, text, outputTokenCount);
    }

    @Override
    public void onComplete(GenerationOutcome result) {
        outcome.complete(result);
    }

    @Override
    public void onError(InferenceFailure e) {
        error = e;
        outcome.completeExceptionally(e);
    }

    boolean done() {
        return outcome.isDone();
    }

    GenerationOutcome result() {
        return outcome.join();
    }

    synchronized String streamedText() {
        return String.join("", texts);
    }
}
