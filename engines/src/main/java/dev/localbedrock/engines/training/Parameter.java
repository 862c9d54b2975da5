package dev.localbedrock.engines.training;

import ai.djl.ndarray.NDArray;

/**
 * One tensor the optimizer updates.
 *
 * @param name  a stable name (the checkpoint tensor's, or {@code <projection>.lora_A/B.weight} for an adapter)
 * @param value the leaf tensor, {@code requiresGradient} set
 * @param decay whether AdamW's weight decay applies: not for biases and norm weights, as the {@code transformers}
 *              Trainer excludes them
 */
record Parameter(String name, NDArray value, boolean decay) {
    long size() {
        return value.size();
    }
}
