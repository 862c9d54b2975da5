package dev.localbedrock.engines.training;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;

import java.util.List;

/**
 * AdamW with decoupled weight decay (Loshchilov &amp; Hutter, "Decoupled Weight Decay Regularization", 2019, Alg. 2),
 * exactly as {@code torch.optim.AdamW} documents it: for step {@code t = 1, 2, …} with rate {@code γ}, decay {@code λ},
 * <pre>
 *   θ ← θ − γ λ θ
 *   m ← β₁ m + (1 − β₁) g          v ← β₂ v + (1 − β₂) g²
 *   m̂ = m / (1 − β₁ᵗ)              v̂ = v / (1 − β₂ᵗ)
 *   θ ← θ − γ m̂ / (√v̂ + ε)
 * </pre>
 * with β₁ = 0.9, β₂ = 0.999, ε = 1e-8. DJL 0.36 has an {@code AdamW}, but it folds the bias correction into the rate
 * and adds ε to the uncorrected {@code √v} (the "ε-hat" variant), which differs from PyTorch's and the Hugging Face
 * Trainer's AdamW in the first steps; hence this implementation. Moments live in the parameters' dtype and device.
 * Updates are in place on the leaf tensors, so callers run {@link #step} with autograd off.
 */
final class AdamW {
    static final double BETA1 = 0.9;
    static final double BETA2 = 0.999;
    static final double EPS = 1e-8;

    private final List<Parameter> params;
    private final NDArray[] m;
    private final NDArray[] v;
    private final double weightDecay;
    private int t;

    AdamW(List<Parameter> params, double weightDecay, NDManager state) {
        this.params = params;
        this.weightDecay = weightDecay;
        this.m = new NDArray[params.size()];
        this.v = new NDArray[params.size()];
        for (int i = 0; i < params.size(); i++) {
            NDArray p = params.get(i).value();
            m[i] = state.zeros(p.getShape(), p.getDataType());
            v[i] = state.zeros(p.getShape(), p.getDataType());
        }
    }

    /**
     * The largest gradient magnitude over every parameter, NaN when any gradient element is NaN (libtorch's max
     * propagates NaN) and infinite when one is: the finiteness check before {@link #step}, read back once.
     */
    double largestGradient(NDManager scratch) {
        NDArray largest = null;
        for (Parameter p : params) {
            NDArray g = p.value().getGradient();
            g.attach(scratch);
            NDArray m = g.abs().max();
            largest = largest == null ? m : largest.maximum(m);
        }
        return largest == null ? 0 : largest.toType(DataType.FLOAT64, false).getDouble();
    }

    /** One update of every parameter from its accumulated gradient at rate {@code lr}, then zeroes the gradients. */
    void step(double lr, NDManager scratch) {
        t++;
        double bc1 = 1 - Math.pow(BETA1, t);
        double bc2 = 1 - Math.pow(BETA2, t);
        for (int i = 0; i < params.size(); i++) {
            Parameter p = params.get(i);
            NDArray w = p.value();
            NDArray g = w.getGradient();
            g.attach(scratch);
            if (p.decay() && weightDecay > 0) {
                w.muli(1 - lr * weightDecay);
            }
            m[i].muli(BETA1).addi(g.mul(1 - BETA1));
            v[i].muli(BETA2).addi(g.square().muli(1 - BETA2));
            NDArray denom = v[i].div(bc2);
            denom.attach(scratch);
            NDArray update = m[i].div(bc1);
            update.attach(scratch);
            update.divi(denom.sqrt().addi(EPS)).muli(lr);
            w.subi(update);
            JniUtils.zeroGrad((PtNDArray) w);
        }
    }
}
