package dev.localbedrock.benchmarks.checkpoint;

import dev.localbedrock.engines.synthetic.RandomLlamaCheckpoint.Shape;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * Named benchmark shapes: the llama2.c TinyStories models (embeddings tied to the output head, as llama2.c trains
 * them) and TinyLlama 1.1B (grouped-query attention, separate {@code lm_head}), all with a 32000-token vocabulary.
 */
public enum CheckpointPreset {
    TINYSTORIES_15M("tinystories-15m", new Shape(288, 6, 6, 6, 768, 32000, 256), true),
    TINYSTORIES_42M("tinystories-42m", new Shape(512, 8, 8, 8, 1376, 32000, 1024), true),
    TINYSTORIES_110M("tinystories-110m", new Shape(768, 12, 12, 12, 2048, 32000, 1024), true),
    TINYLLAMA_1_1B("tinyllama-1.1b", new Shape(2048, 22, 32, 4, 5632, 32000, 2048), false);

    private final String id;
    private final Shape shape;
    private final boolean tied;

    CheckpointPreset(String id, Shape shape, boolean tied) {
        this.id = id;
        this.shape = shape;
        this.tied = tied;
    }

    public String id() {
        return id;
    }

    public Shape shape() {
        return shape;
    }

    /** Whether the output head is the embedding matrix (no {@code lm_head.weight}). */
    public boolean tiedEmbeddings() {
        return tied;
    }

    /** Parses a preset name such as {@code tinystories-15m} (case-insensitive). */
    public static CheckpointPreset parse(String name) {
        String n = name == null ? "" : name.trim().toLowerCase(Locale.ROOT);
        for (CheckpointPreset p : values()) {
            if (p.id.equals(n)) {
                return p;
            }
        }
        throw new IllegalArgumentException("unknown preset '" + name + "' (accepted: "
                + Arrays.stream(values()).map(CheckpointPreset::id).collect(Collectors.joining(", ")) + ")");
    }

    @Override
    public String toString() {
        return id;
    }
}
