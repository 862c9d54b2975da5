package dev.localbedrock.engines;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;

/**
 * Where the shared test checkpoints are, and which device the device-parameterized engine tests use
 * ({@link #device()}). Shared checkpoints: system property {@code shared.models.dir} (set by surefire from the root
 * pom), else {@code ../shared/models} from the repository root, which is {@code ../../shared/models} from this module.
 */
public final class TestModels {
    private TestModels() {
    }

    /** The directory holding {@code tiny-random-llama/} and {@code tiny-random-gpt2/}. */
    public static Path sharedModelsDir() {
        String prop = System.getProperty("shared.models.dir");
        if (prop != null && !prop.isBlank() && Files.isDirectory(Paths.get(prop))) {
            return Paths.get(prop).toAbsolutePath().normalize();
        }
        Path cwd = Paths.get("").toAbsolutePath();
        for (Path candidate : new Path[] {cwd.resolve("../shared/models"), cwd.resolve("../../shared/models")}) {
            if (Files.isDirectory(candidate.resolve("tiny-random-llama"))) {
                return candidate.normalize();
            }
        }
        throw new IllegalStateException("shared test models not found: set -Dshared.models.dir (looked from " + cwd
                + ")");
    }

    /** {@code tiny-random-llama}: 2 layers, hidden 16, vocab 32000, the real Llama 2 tokenizer. */
    public static Path tinyLlama() {
        return sharedModelsDir().resolve("tiny-random-llama");
    }

    /** {@code tiny-random-gpt2}. */
    public static Path tinyGpt2() {
        return sharedModelsDir().resolve("tiny-random-gpt2");
    }

    /**
     * The device the cross-engine numerics and agreement tests run on: system property {@code engine.test.device}
     * ({@code cpu}, {@code cuda}, {@code cuda:N}), default {@code cpu} (CI has no GPU). Tests that are about the CPU
     * itself (thread counts, ISA, "cuda without the provider is an error") keep their literal {@code "cpu"}.
     *
     * <p>The f32 bounds these tests use ({@code F32Bounds}) are worst-case over any summation order, so GPU kernels'
     * different reduction orders (split-K GEMMs, tree reductions) stay inside them unchanged. What they do not cover
     * is TF32, whose 10-bit mantissa makes float32 GEMMs about 2^13 times coarser: libtorch leaves it off for
     * matmuls by default ({@code allow_tf32} false since PyTorch 1.12; DJL does not change it), but ONNX Runtime's
     * CUDA execution provider turns it on unless its {@code use_tf32} provider option is 0. An ONNX Runtime
     * agreement failure under {@code cuda} several orders of magnitude past the bound points at TF32, not at the
     * bound.
     */
    public static String device() {
        String d = System.getProperty("engine.test.device");
        return d == null || d.isBlank() ? "cpu" : d.trim();
    }
}
