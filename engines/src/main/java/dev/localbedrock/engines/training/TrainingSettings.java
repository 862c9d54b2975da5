package dev.localbedrock.engines.training;

/**
 * The hyperparameters of one fine-tuning run.
 *
 * @param method       {@link FineTuning#LORA} or {@link FineTuning#FULL}
 * @param loraRank     adapter rank {@code r} (LoRA only; ignored for FULL)
 * @param loraAlpha    adapter scale numerator: the update is {@code (alpha / r) · B · A} (LoRA only)
 * @param epochs       passes over the training data, at least 1
 * @param batchSize    sequences per optimizer step, at least 1
 * @param learningRate peak AdamW learning rate, positive
 * @param warmupSteps  optimizer steps of linear warm-up before the linear decay, at least 0
 * @param weightDecay  AdamW's decoupled weight decay, at least 0 (not applied to biases and norm weights)
 * @param seed         seeds the adapter initialisation and the per-epoch shuffle
 * @param device       {@code cpu}, {@code cuda} or {@code cuda:N}; {@code null} means {@code cpu}
 * @param threads      libtorch intra-op threads when positive (process-wide); 0 or less leaves libtorch's setting
 */
public record TrainingSettings(FineTuning method, int loraRank, double loraAlpha, int epochs, int batchSize,
                               double learningRate, int warmupSteps, double weightDecay, long seed, String device,
                               int threads) {

    public TrainingSettings {
        if (method == null) {
            throw new IllegalArgumentException("method must be LORA or FULL");
        }
        if (method == FineTuning.LORA && loraRank <= 0) {
            throw new IllegalArgumentException("loraRank must be positive for LoRA, got " + loraRank);
        }
        if (method == FineTuning.LORA && !(loraAlpha > 0 && Double.isFinite(loraAlpha))) {
            throw new IllegalArgumentException("loraAlpha must be a positive number for LoRA, got " + loraAlpha);
        }
        if (epochs < 1) {
            throw new IllegalArgumentException("epochs must be at least 1, got " + epochs);
        }
        if (batchSize < 1) {
            throw new IllegalArgumentException("batchSize must be at least 1, got " + batchSize);
        }
        if (!(learningRate > 0 && Double.isFinite(learningRate))) {
            throw new IllegalArgumentException("learningRate must be a positive number, got " + learningRate);
        }
        if (warmupSteps < 0) {
            throw new IllegalArgumentException("warmupSteps must not be negative, got " + warmupSteps);
        }
        if (!(weightDecay >= 0 && Double.isFinite(weightDecay))) {
            throw new IllegalArgumentException("weightDecay must be a number >= 0, got " + weightDecay);
        }
        device = device == null || device.isBlank() ? "cpu" : device;
    }

    /** LoRA, rank 8, alpha 16, otherwise the given schedule; a convenience for callers and tests. */
    public static TrainingSettings lora(int epochs, int batchSize, double learningRate, long seed) {
        return new TrainingSettings(FineTuning.LORA, 8, 16, epochs, batchSize, learningRate, 0, 0, seed, "cpu", 0);
    }
}
