package dev.localbedrock.engines.onnxruntime;

import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtProvider;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** Device names, session options and how a decoder graph is found in a model directory. */
class OrtRuntimeTest {

    @Test
    void parsesDevices() {
        assertEquals(-1, OrtRuntime.cudaDeviceId("cpu"));
        assertEquals(-1, OrtRuntime.cudaDeviceId(null));
        assertEquals(0, OrtRuntime.cudaDeviceId("cuda"));
        assertEquals(3, OrtRuntime.cudaDeviceId("CUDA:3"));
        assertThrows(IllegalArgumentException.class, () -> OrtRuntime.cudaDeviceId("cuda:x"));
        assertThrows(IllegalArgumentException.class, () -> OrtRuntime.cudaDeviceId("tpu"));
        assertEquals(5, OrtRuntime.intraOpThreads(5));
    }

    @Test
    void cudaWithoutTheProviderIsAClearError() {
        assumeTrue(!OrtEnvironment.getAvailableProviders().contains(OrtProvider.CUDA), "this build has CUDA");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> OrtRuntime.sessionOptions("cuda:0", 1, false));
        assertTrue(e.getMessage().contains("CUDA"), e.getMessage());
    }

    @Test
    void sessionOptionsCanTurnSpinningOff() throws Exception {
        String saved = System.getProperty(OrtRuntime.SPINNING_PROPERTY);
        System.setProperty(OrtRuntime.SPINNING_PROPERTY, "false");
        try (var options = OrtRuntime.sessionOptions("cpu", 1, false)) {
            assertEquals("0", options.getConfigEntries().get("session.intra_op.allow_spinning"));
        } finally {
            if (saved == null) {
                System.clearProperty(OrtRuntime.SPINNING_PROPERTY);
            } else {
                System.setProperty(OrtRuntime.SPINNING_PROPERTY, saved);
            }
        }
        try (var options = OrtRuntime.sessionOptions("cpu", 1, false)) {
            assertTrue(saved != null || !options.getConfigEntries().containsKey("session.intra_op.allow_spinning"));
        }
    }

    @Test
    void locatesTheDecoderGraph(@TempDir Path dir) throws IOException {
        assertThrows(NoSuchFileException.class, () -> DecoderGraph.locate(dir));
        assertFalse(OrtDecoderModel.hasGraph(dir));
        Files.createDirectories(dir.resolve("onnx"));
        assertFalse(OrtDecoderModel.hasGraph(dir));
        Files.writeString(dir.resolve("onnx/decoder.onnx"), "x");
        assertTrue(OrtDecoderModel.hasGraph(dir));
        assertEquals(dir.resolve("onnx/decoder.onnx"), DecoderGraph.locate(dir)); // the only *.onnx
        Files.writeString(dir.resolve("other.onnx"), "x");
        assertThrows(NoSuchFileException.class, () -> DecoderGraph.locate(dir)); // ambiguous
        assertTrue(OrtDecoderModel.hasGraph(dir), "ambiguous is reported by loading, not built around");
        Files.writeString(dir.resolve("model.onnx"), "x");
        assertEquals(dir.resolve("model.onnx"), DecoderGraph.locate(dir));
        Files.writeString(dir.resolve("onnx/past.onnx"), "x");
        assertEquals(dir.resolve("onnx/past.onnx"), DecoderGraph.locate(dir));
        Files.writeString(dir.resolve("onnx/genai_config.json"),
                "{\"model\": {\"decoder\": {\"filename\": \"decoder.onnx\"}}}");
        assertEquals(dir.resolve("onnx/decoder.onnx"), DecoderGraph.locate(dir)); // genai_config.json decides
        Files.writeString(dir.resolve("onnx/genai_config.json"),
                "{\"model\": {\"decoder\": {\"filename\": \"missing.onnx\"}}}");
        assertThrows(NoSuchFileException.class, () -> DecoderGraph.locate(dir));
    }
}
