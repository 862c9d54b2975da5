package dev.localbedrock.engines.onnxbuild;

import java.nio.file.Path;

/**
 * A graph on disk.
 *
 * @param directory the directory holding it
 * @param modelFile {@value OnnxGraphBuilder#MODEL_FILE}: pass this path to {@code OrtEnvironment.createSession}
 *                  (external data is found relative to it)
 * @param dataFile  {@value OnnxGraphBuilder#DATA_FILE} when the weights are stored outside the protobuf, else
 *                  {@code null}
 * @param spec      names and shapes to drive it with
 */
public record BuiltGraph(Path directory, Path modelFile, Path dataFile, GraphSpec spec) {
}
