package dev.localbedrock.engines.training;

import ai.djl.ndarray.NDArray;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;

/**
 * A linear layer {@code y = x · Wᵀ + b} with the checkpoint's {@code [out, in]} weight, optionally with a LoRA adapter:
 * {@code y = x · Wᵀ + b + (alpha / r) · (x · Aᵀ) · Bᵀ}, {@code A [r, in]}, {@code B [out, r]} (Hu et al. 2021, as PEFT's
 * {@code lora.Linear} computes it with dropout 0).
 *
 * @param name   the checkpoint's tensor name without {@code .weight}, e.g. {@code model.layers.0.self_attn.q_proj}
 * @param weight {@code [out, in]}
 * @param bias   {@code [out]} or null
 * @param loraA  {@code [r, in]} or null
 * @param loraB  {@code [out, r]} or null
 * @param scale  {@code alpha / r}
 */
record Projection(String name, NDArray weight, NDArray bias, NDArray loraA, NDArray loraB, double scale) {

    /** {@code x [.., in]} to {@code [.., out]}; {@code x} is the first operand of every op, so results join its manager. */
    NDArray apply(NDArray x) {
        NDArray y = JniUtils.linear((PtNDArray) x, (PtNDArray) weight, (PtNDArray) bias);
        if (loraA == null) {
            return y;
        }
        NDArray low = JniUtils.linear((PtNDArray) x, (PtNDArray) loraA, null);
        NDArray delta = JniUtils.linear((PtNDArray) low, (PtNDArray) loraB, null);
        return y.add(delta.mul(scale));
    }

    /** {@code W + (alpha / r) · B · A} (a new tensor), or {@code W} itself without an adapter. */
    NDArray merged() {
        if (loraA == null) {
            return weight;
        }
        return weight.add(loraB.matMul(loraA).mul(scale));
    }
}
