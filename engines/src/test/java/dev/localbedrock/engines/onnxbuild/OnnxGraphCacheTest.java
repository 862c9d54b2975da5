package dev.localbedrock.engines.onnxbuild;

import dev.localbedrock.engines.numerics.F32Bounds;
import ai.onnxruntime.OrtException;
import dev.localbedrock.engines.TestModels;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class OnnxGraphCacheTest {
    @TempDir
    Path tmp;

    @Test
    void buildsOnceThenReusesAndRebuildsWhenOptionsOrCheckpointChange() throws IOException, OrtException {
        Path cache = tmp.resolve("cache");
        List<String> lines = new ArrayList<>();
        BuiltGraph first = OnnxGraphCache.resolve(TestModels.tinyGpt2(), BuildOptions.defaults(), cache, lines::add);
        assertTrue(lines.stream().anyMatch(l -> l.contains("cache miss")), String.join("\n", lines));
        assertTrue(lines.stream().anyMatch(l -> l.contains("layer 5/5 written")), "a progress line per stage");
        assertTrue(lines.stream().allMatch(l -> l.startsWith("[onnx-graph-cache] tiny-random-gpt2-")));
        FileTime built = Files.getLastModifiedTime(first.modelFile());

        lines.clear();
        BuiltGraph second = OnnxGraphCache.resolve(TestModels.tinyGpt2(), BuildOptions.defaults(), cache, lines::add);
        assertEquals(first.modelFile(), second.modelFile());
        assertEquals(built, Files.getLastModifiedTime(second.modelFile()), "not rewritten");
        assertEquals(1, lines.size(), String.join("\n", lines));
        assertTrue(lines.get(0).contains("cache hit"), lines.get(0));
        assertEquals(first.spec(), second.spec());

        lines.clear();
        BuiltGraph int8 = OnnxGraphCache.resolve(TestModels.tinyGpt2(),
                BuildOptions.defaults().withQuantization(BuildOptions.Quantization.INT8), cache, lines::add);
        assertNotEquals(first.directory(), int8.directory());
        assertTrue(lines.stream().anyMatch(l -> l.contains("cache miss")));
        assertEquals(BuildOptions.Quantization.INT8, int8.spec().quantization());
        BuiltGraph std = OnnxGraphCache.resolve(TestModels.tinyGpt2(),
                BuildOptions.defaults().withVariant(BuildOptions.Variant.STANDARD), cache, lines::add);
        assertNotEquals(first.directory(), std.directory());

        try (Stream<Path> s = Files.list(cache)) {
            List<String> names = s.map(p -> p.getFileName().toString()).sorted().toList();
            assertEquals(3, names.size(), names.toString());
            assertFalse(names.stream().anyMatch(n -> n.startsWith(".tmp-")), "no temporary directory left");
        }

        // the cached graph is the graph: same greedy tokens as a direct build
        try (GraphRunner r = new GraphRunner(second, 1)) {
            GraphRunner.Result a = r.greedy(Gpt2GraphTest.PROMPTS, 4, GraphRunner.Mode.SHARED_BATCHED);
            try (GraphRunner d = new GraphRunner(OnnxGraphBuilder.build(TestModels.tinyGpt2(), tmp.resolve("direct"),
                    BuildOptions.defaults()), 1)) {
                References.assertSame(F32Bounds.Shape.of(TestModels.tinyGpt2(), References.CONTEXT), d.greedy(Gpt2GraphTest.PROMPTS, 4, GraphRunner.Mode.SHARED_BATCHED), a,
                        "cached vs direct build");
            }
        }
    }

    @Test
    void aChangedCheckpointGetsANewEntry() throws IOException {
        Path ckpt = Checkpoints.write(tmp.resolve("ckpt"), "llama", 1, false, false, Checkpoints.Storage.F32, 2,
                c -> { });
        Path cache = tmp.resolve("cache");
        BuiltGraph a = OnnxGraphCache.resolve(ckpt, BuildOptions.defaults(), cache, s -> { });
        Path shard = ckpt.resolve("model-00002-of-00002.safetensors");
        Files.setLastModifiedTime(shard, FileTime.fromMillis(Files.getLastModifiedTime(shard).toMillis() + 5000));
        List<String> lines = new ArrayList<>();
        BuiltGraph b = OnnxGraphCache.resolve(ckpt, BuildOptions.defaults(), cache, lines::add);
        assertNotEquals(a.directory(), b.directory());
        assertTrue(lines.stream().anyMatch(l -> l.contains("cache miss")));
        String before = OnnxGraphCache.key(ckpt, BuildOptions.defaults());
        Files.writeString(ckpt.resolve("config.json"), Files.readString(ckpt.resolve("config.json"))
                .replace("\"rms_norm_eps\" : 1.0E-6", "\"rms_norm_eps\" : 1.0E-5"));
        assertNotEquals(before, OnnxGraphCache.key(ckpt, BuildOptions.defaults()));
        assertTrue(OnnxGraphCache.source(b.directory()).path("checkpoint").asText().endsWith("ckpt"));
    }

    @Test
    void anUnsupportedCheckpointLeavesNothingBehind() throws IOException {
        Path ckpt = Checkpoints.write(tmp.resolve("phi"), "phi3", 1, false, false, Checkpoints.Storage.F32, 1,
                c -> { });
        Path cache = tmp.resolve("cache");
        assertThrows(IllegalArgumentException.class,
                () -> OnnxGraphCache.resolve(ckpt, BuildOptions.defaults(), cache, s -> { }));
        assertFalse(Files.exists(cache) && Files.list(cache).findAny().isPresent());
    }
}
