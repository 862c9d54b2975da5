package dev.localbedrock.engines;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class DecoderModelsTest {

    @Test
    void parsesEngineNames() {
        assertEquals(EngineKind.PYTORCH, EngineKind.parse("pytorch"));
        assertEquals(EngineKind.PYTORCH, EngineKind.parse(" PyTorch "));
        assertEquals(EngineKind.ONNXRUNTIME, EngineKind.parse("onnxruntime"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> EngineKind.parse("tf"));
        assertTrue(e.getMessage().contains("pytorch") && e.getMessage().contains("onnxruntime"), e.getMessage());
    }

    @Test
    void onnxRuntimeLoadsTheExportedGraph() {
        try (DecoderModel model = DecoderModels.load(TestModels.tinyGpt2(), EngineKind.ONNXRUNTIME, "cpu",
                new EngineOptions(32, 1))) {
            assertEquals("OrtDecoderModel", model.getClass().getSimpleName());
            assertEquals(1000, model.info().vocabSize());
        }
    }

    @Test
    void unsupportedArchitectureIsNamed(@TempDir Path dir) throws IOException {
        Files.writeString(dir.resolve("config.json"), "{\"model_type\":\"bert\",\"hidden_size\":8}");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> DecoderModels.load(dir, EngineKind.PYTORCH, "cpu", EngineOptions.defaults()));
        assertTrue(e.getMessage().contains("'bert'") && e.getMessage().contains("llama")
                && e.getMessage().contains("gpt2"), e.getMessage());
    }

    @Test
    void badDeviceNamesAreRejected() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> DecoderModels.load(TestModels.tinyLlama(), EngineKind.PYTORCH, "tpu", null));
        assertTrue(e.getMessage().contains("tpu"), e.getMessage());
    }

    @Test
    void unusableCudaDeviceIsReportedAtLoad() {
        org.junit.jupiter.api.Assumptions.assumeFalse(ai.djl.engine.Engine.getEngine("PyTorch").getGpuCount() > 0,
                "a GPU is present");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> DecoderModels.load(TestModels.tinyLlama(), EngineKind.PYTORCH, "cuda:0", null));
        assertTrue(e.getMessage().contains("not usable"), e.getMessage());
    }

    @Test
    void loadsTinyLlamaThroughTheFactory() {
        try (DecoderModel model = DecoderModels.load(TestModels.tinyLlama(), EngineKind.PYTORCH, "cpu",
                new EngineOptions(64, 1));
             SequenceState seq = model.newSequence()) {
            assertEquals(64, model.info().maxPositions());
            float[] logits = model.forward(List.of(seq), List.of(model.tokenizer().encode("Hi", true)))[0];
            assertEquals(32000, logits.length);
        }
    }
}
