package dev.localbedrock.engines;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;

/**
 * Where the shared test checkpoints are: system property {@code shared.models.dir} (set by surefire from the root
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
}
