package dev.localbedrock.engines;

import dev.localbedrock.engines.onnxbuild.BuildOptions;
import dev.localbedrock.engines.onnxbuild.OnnxGraphCache;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
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
    void onnxRuntimeBuildsAGraphForACheckpointWithoutOne(@TempDir Path tmp) throws IOException {
        Path hf = Files.createDirectories(tmp.resolve("gpt2-hf"));
        for (String f : List.of("config.json", "model.safetensors", "tokenizer.json", "tokenizer_config.json",
                "vocab.json")) {
            Files.copy(TestModels.tinyGpt2().resolve(f), hf.resolve(f));
        }
        Path cache = tmp.resolve("cache");
        try (DecoderModel model = DecoderModels.load(hf, EngineKind.ONNXRUNTIME, "cpu",
                new EngineOptions(32, 1).withOnnxCacheDir(cache));
             SequenceState seq = model.newSequence()) {
            assertEquals(1000, model.info().vocabSize());
            assertEquals(1000, model.forward(List.of(seq), List.of(new int[] {98, 5, 6}))[0].length);
        }
        try (Stream<Path> entries = Files.list(cache)) {
            assertEquals(1, entries.filter(p -> !p.getFileName().toString().startsWith(".")).count());
        }
        assertTrue(Files.notExists(hf.resolve(".onnx-cache")), "an explicit cache directory is used");
    }

    @Test
    void onnxRuntimeNamesWhatItCannotBuild(@TempDir Path dir) throws IOException {
        Files.writeString(dir.resolve("config.json"), "{\"model_type\":\"bert\",\"hidden_size\":8}");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> DecoderModels.load(dir, EngineKind.ONNXRUNTIME, "cpu",
                        EngineOptions.defaults().withOnnxCacheDir(dir.resolve("cache"))));
        assertTrue(e.getMessage().contains("'bert'") && e.getMessage().contains("llama")
                && e.getMessage().contains("gpt2"), e.getMessage());
        assertTrue(Files.notExists(dir.resolve("cache")));
    }

    @Test
    void engineOptionsStaySourceCompatibleAndCheckBuildSettings() {
        assertEquals(new EngineOptions(64, 2, 0), new EngineOptions(64, 2));
        assertEquals(new EngineOptions(64, 2, 0, null, null, null), new EngineOptions(64, 2));
        EngineOptions o = new EngineOptions(64, 2, 512);
        assertFalse(o.buildsOnnxGraph());
        assertEquals(BuildOptions.defaults(), o.onnxBuildOptions());
        EngineOptions q = o.withQuantize(" INT8 ");
        assertTrue(q.buildsOnnxGraph());
        assertEquals(BuildOptions.Quantization.INT8, q.onnxBuildOptions().quantization());
        assertEquals(BuildOptions.Variant.GQA_SHARED_KV, q.onnxBuildOptions().variant());
        assertEquals(BuildOptions.Variant.STANDARD, o.withOnnxVariant("standard").onnxBuildOptions().variant());
        assertEquals(512, q.withMaxSequenceTokens(32).withIntraOpThreads(1).kvCacheTokens());
        assertEquals("INT8", q.withKvCacheTokens(0).quantize());
        assertNull(o.withQuantize("  ").quantize(), "blank means not specified");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> o.withQuantize("int3"));
        assertTrue(e.getMessage().contains("int3") && e.getMessage().contains("int4"), e.getMessage());
        assertEquals(BuildOptions.Quantization.INT4, o.withQuantize("int4").onnxBuildOptions().quantization());
        assertEquals(BuildOptions.Quantization.INT8_DYNAMIC,
                o.withQuantize("INT8_dynamic").onnxBuildOptions().quantization());
        assertThrows(IllegalArgumentException.class, () -> o.withOnnxVariant("flash"));
    }

    @Test
    void theDefaultGraphCacheFollowsThePropertyElseTheModelDirectory(@TempDir Path dir) throws IOException {
        String saved = System.getProperty(OnnxGraphCache.CACHE_PROPERTY);
        try {
            System.setProperty(OnnxGraphCache.CACHE_PROPERTY, dir.resolve("elsewhere").toString());
            assertEquals(dir.resolve("elsewhere"), OnnxGraphCache.defaultRoot(dir));
            System.clearProperty(OnnxGraphCache.CACHE_PROPERTY);
            if (System.getenv(OnnxGraphCache.CACHE_ENV) == null) {
                assertEquals(dir.toAbsolutePath().resolve(".onnx-cache"), OnnxGraphCache.defaultRoot(dir));
            }
        } finally {
            if (saved != null) {
                System.setProperty(OnnxGraphCache.CACHE_PROPERTY, saved);
            } else {
                System.clearProperty(OnnxGraphCache.CACHE_PROPERTY);
            }
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
