package dev.localbedrock.engines;

import java.util.Set;

/**
 * Facts about a loaded decoder.
 *
 * @param architecture  the checkpoint's {@code model_type} (e.g. {@code llama}, {@code gpt2})
 * @param vocabSize     rows of the output logits
 * @param maxPositions  the model's context length in tokens
 * @param bosTokenId    begin-of-sequence id, or -1 when the model has none
 * @param eosTokenIds   ids that end a generation
 * @param addBos        whether prompts are prefixed with BOS when encoded
 */
public record ModelInfo(String architecture, int vocabSize, int maxPositions, int bosTokenId, Set<Integer> eosTokenIds,
                        boolean addBos) {
}
