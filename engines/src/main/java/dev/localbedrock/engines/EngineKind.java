package dev.localbedrock.engines;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/** The inference engines a model can be served on. */
public enum EngineKind {
    /** libtorch through DJL's PyTorch engine (eager NDArray operations). */
    PYTORCH("pytorch"),
    /** ONNX Runtime, on graphs built from the checkpoint ({@code onnxbuild}) or exported by Optimum. */
    ONNXRUNTIME("onnxruntime");

    private final String id;

    EngineKind(String id) {
        this.id = id;
    }

    /** The name used in configuration files. */
    public String id() {
        return id;
    }

    /**
     * Parses {@code pytorch} or {@code onnxruntime} (case-insensitive).
     *
     * @throws IllegalArgumentException naming the accepted values otherwise
     */
    public static EngineKind parse(String name) {
        String n = name == null ? "" : name.trim().toLowerCase(Locale.ROOT);
        for (EngineKind k : values()) {
            if (k.id.equals(n)) {
                return k;
            }
        }
        throw new IllegalArgumentException("unknown engine '" + name + "' (accepted: "
                + Arrays.stream(values()).map(EngineKind::id).collect(Collectors.joining(", ")) + ")");
    }

    @Override
    public String toString() {
        return id;
    }
}
