/**
 * The command line: {@code Main} dispatches to {@code serve} (start the service from a {@code models.yaml}),
 * {@code generate} (one prompt through a model, without HTTP) and {@code build-onnx} (write the ONNX graph the
 * onnxruntime engine would build from a checkpoint).
 *
 * <p>May depend on every runtime package and on {@code codecs} and {@code engines}; nothing depends on it.
 *
 * <p>Threads: the {@code main} thread, which may block for as long as a command takes (loading, building, serving
 * until a signal).
 */
package dev.localbedrock.runtime.cli;
