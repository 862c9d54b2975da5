package dev.localbedrock.engines.training;

/** Which weights a fine-tuning run changes. */
public enum FineTuning {
    /**
     * Low-rank adapters on every attention and MLP projection ({@code q, k, v, o, gate, up, down}); the checkpoint's
     * own weights stay frozen and the adapters are merged into them when the model is written.
     */
    LORA,
    /** Every weight of the checkpoint (embeddings, norms, projections, biases, an untied output head). */
    FULL
}
