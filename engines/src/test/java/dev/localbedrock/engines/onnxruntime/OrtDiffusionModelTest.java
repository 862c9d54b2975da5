package dev.localbedrock.engines.onnxruntime;

import ai.onnxruntime.OnnxJavaType;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.TensorInfo;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.localbedrock.engines.diffusion.DenoisingState;
import dev.localbedrock.engines.diffusion.DiffusionModel;
import dev.localbedrock.engines.diffusion.DiffusionModel.UnetRow;
import dev.localbedrock.engines.diffusion.DiffusionModelInfo;
import dev.localbedrock.engines.diffusion.GaussianNoise;
import dev.localbedrock.engines.diffusion.PngImages;
import dev.localbedrock.engines.diffusion.PromptEmbedding;
import dev.localbedrock.engines.diffusion.Samplers;
import dev.localbedrock.engines.diffusion.SchedulerConfig;
import dev.localbedrock.engines.diffusion.SdxlTokenizers;
import dev.localbedrock.engines.diffusion.TextToImage;
import dev.localbedrock.engines.synthetic.RandomSdxlPipeline;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The SDXL pipeline on a random-weight export with SDXL's graph interfaces (the SMOKE shape: about 100k weights). */
class OrtDiffusionModelTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    static Path tmp;
    static Path export;
    static OrtDiffusionModel model;

    @BeforeAll
    static void load() throws IOException {
        export = tmp.resolve("sdxl-smoke");
        RandomSdxlPipeline.write(export, RandomSdxlPipeline.Shape.SMOKE, 7);
        model = OrtDiffusionModel.load(export, "cpu", OrtDiffusionModel.Options.defaults());
    }

    @AfterAll
    static void close() {
        if (model != null) {
            model.close();
        }
    }

    private static Path copyOfExport(String name) throws IOException {
        Path copy = tmp.resolve(name);
        try (Stream<Path> files = Files.walk(export)) {
            for (Path p : (Iterable<Path>) files::iterator) {
                Path to = copy.resolve(export.relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(to);
                } else {
                    Files.copy(p, to);
                }
            }
        }
        return copy;
    }

    private static void editJson(Path file, String key, Object value) throws IOException {
        ObjectNode node = (ObjectNode) JSON.readTree(file.toFile());
        node.set(key, JSON.valueToTree(value));
        JSON.writeValue(file.toFile(), node);
    }

    @Test
    void infoComesFromTheConfigsAndGraphs() {
        DiffusionModelInfo info = model.info();
        assertEquals(4, info.latentChannels());
        assertEquals(8, info.vaeScaleFactor()); // vae block_out_channels has 4 entries
        assertEquals(32, info.sizeMultiple()); // × the UNet's 3 levels (4× downsampling)
        assertEquals(77, info.tokens());
        assertEquals(64, info.hiddenSize()); // 32 + 32
        assertEquals(32, info.pooledSize());
        assertEquals(SchedulerConfig.sdxl(), info.scheduler());
    }

    @Test
    void promptsEncodeToTheUnetsShapesAndDiffer() {
        List<PromptEmbedding> e = model.encodePrompts(List.of("a cat on a mat", "a dog in the fog", "a cat on a mat"));
        DiffusionModelInfo info = model.info();
        for (PromptEmbedding p : e) {
            assertEquals(77 * info.hiddenSize(), p.hidden().length);
            assertEquals(info.pooledSize(), p.pooled().length);
            for (float v : p.hidden()) {
                assertTrue(Float.isFinite(v));
            }
        }
        assertFalse(Arrays.equals(e.get(0).hidden(), e.get(1).hidden()));
        assertFalse(Arrays.equals(e.get(0).pooled(), e.get(1).pooled()));
        // one batch: identical rows give identical outputs
        assertArrayEquals(e.get(0).hidden(), e.get(2).hidden());
        assertArrayEquals(e.get(0).pooled(), e.get(2).pooled());
        // and a prompt alone gives exactly what it gives in a batch (see aRowsNoiseIsTheSameAloneOrInABatch)
        PromptEmbedding alone = model.encodePrompts(List.of("a dog in the fog")).get(0);
        assertArrayEquals(e.get(1).hidden(), alone.hidden());
        assertArrayEquals(e.get(1).pooled(), alone.pooled());
    }

    /** The conditioning is the two encoders' hidden_states.(L-1) side by side per token, pooled their text_embeds. */
    @Test
    void theConditioningIsThePenultimateHiddenStatesAndTheSecondEncodersTextEmbeds() throws Exception {
        String text = "an owl, in oil paint";
        PromptEmbedding e = model.encodePrompts(List.of(text)).get(0);
        SdxlTokenizers tokenizers = SdxlTokenizers.load(export);
        // SMOKE encoders have 2 layers: outputs hidden_states.0 .. hidden_states.2, the penultimate is .1
        float[] first = runGraph(export.resolve("text_encoder/model.onnx"), tokenizers.first().encode(text),
                "hidden_states.1");
        float[] second = runGraph(export.resolve("text_encoder_2/model.onnx"), tokenizers.second().encode(text),
                "hidden_states.1");
        float[] pooled = runGraph(export.resolve("text_encoder_2/model.onnx"), tokenizers.second().encode(text),
                "text_embeds");
        for (int t = 0; t < 77; t++) {
            assertArrayEquals(Arrays.copyOfRange(first, 32 * t, 32 * t + 32),
                    Arrays.copyOfRange(e.hidden(), 64 * t, 64 * t + 32), "token " + t + ", text_encoder");
            assertArrayEquals(Arrays.copyOfRange(second, 32 * t, 32 * t + 32),
                    Arrays.copyOfRange(e.hidden(), 64 * t + 32, 64 * t + 64), "token " + t + ", text_encoder_2");
        }
        assertArrayEquals(pooled, e.pooled());
        assertFalse(Arrays.equals(first, runGraph(export.resolve("text_encoder/model.onnx"),
                tokenizers.first().encode(text), "hidden_states.2")), "the last layer is not the penultimate one");
    }

    /** One output of a graph run directly, its input_ids fed as the graph declares. */
    private static float[] runGraph(Path graph, int[] ids, String output) throws Exception {
        OrtEnvironment env = OrtRuntime.env();
        try (OrtSession session = env.createSession(graph.toString(), new OrtSession.SessionOptions())) {
            OnnxJavaType type = ((TensorInfo) session.getInputInfo().get("input_ids").getInfo()).type;
            try (OnnxTensor in = OrtTensors.ids(env, type, ids, new long[]{1, ids.length});
                 OrtSession.Result r = session.run(Map.of("input_ids", in), Set.of(output))) {
                return OrtTensors.read((OnnxTensor) r.get(0), output);
            }
        }
    }

    @Test
    void causalAttentionKeepsTheSharedPrefixIdenticalInBothHalvesOfEachToken() {
        // CLIP attends causally: tokens before the first difference ("<bos> a") see the same inputs in both prompts.
        // That only holds position by position if hidden is laid out token-major with both encoders per token.
        List<PromptEmbedding> e = model.encodePrompts(List.of("a cat", "a dog"));
        int w = model.info().hiddenSize();
        float[] cat = e.get(0).hidden();
        float[] dog = e.get(1).hidden();
        assertArrayEquals(Arrays.copyOfRange(cat, 0, 2 * w), Arrays.copyOfRange(dog, 0, 2 * w));
        // token 2 differs in both encoders' halves
        assertFalse(Arrays.equals(Arrays.copyOfRange(cat, 2 * w, 2 * w + 32), Arrays.copyOfRange(dog, 2 * w, 2 * w + 32)));
        assertFalse(Arrays.equals(Arrays.copyOfRange(cat, 2 * w + 32, 3 * w), Arrays.copyOfRange(dog, 2 * w + 32, 3 * w)));
    }

    @Test
    void emptyPromptIsZerosWhenTheExportForcesThem() throws IOException {
        PromptEmbedding empty = model.emptyPrompt();
        assertArrayEquals(new float[77 * 64], empty.hidden());
        assertArrayEquals(new float[32], empty.pooled());

        Path copy = copyOfExport("no-forced-zeros");
        editJson(copy.resolve("model_index.json"), "force_zeros_for_empty_prompt", false);
        try (OrtDiffusionModel encoded = OrtDiffusionModel.load(copy, "cpu", OrtDiffusionModel.Options.defaults())) {
            PromptEmbedding e = encoded.emptyPrompt();
            PromptEmbedding direct = encoded.encodePrompts(List.of("")).get(0);
            assertArrayEquals(direct.hidden(), e.hidden());
            assertArrayEquals(direct.pooled(), e.pooled());
            assertFalse(Arrays.equals(new float[32], e.pooled()));
        }
    }

    /**
     * Exact, not within a tolerance: ONNX Runtime's CPU kernels reduce each row in an order that does not depend on
     * how many rows share the batch (convolutions run image by image, matrix products keep the inner dimension's
     * order), so batching across requests can never change an image.
     */
    @Test
    void aRowsNoiseIsTheSameAloneOrInABatch() {
        int h = 8, w = 8; // 64×64 px
        int length = model.info().latentLength(h, w);
        List<PromptEmbedding> p = model.encodePrompts(List.of("red", "green", "blue"));
        List<UnetRow> rows = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            rows.add(new UnetRow(new GaussianNoise(i).next(length), 999f - 300 * i, p.get(i)));
        }
        float[][] batch = model.predictNoise(rows, h, w);
        assertEquals(3, batch.length);
        for (int i = 0; i < 3; i++) {
            assertEquals(length, batch[i].length);
            assertArrayEquals(batch[i], model.predictNoise(List.of(rows.get(i)), h, w)[0], "row " + i);
        }
        assertFalse(Arrays.equals(batch[0], batch[1]));
        // the timestep and the conditioning each matter
        UnetRow r = rows.get(0);
        assertFalse(Arrays.equals(batch[0], model.predictNoise(List.of(new UnetRow(r.sample(), 10f, r.prompt())), h, w)[0]));
        assertFalse(Arrays.equals(batch[0], model.predictNoise(List.of(new UnetRow(r.sample(), r.timestep(), p.get(1))), h, w)[0]));
    }

    @Test
    void wrongSizesAreRefused() {
        PromptEmbedding p = model.emptyPrompt();
        int length = model.info().latentLength(8, 8);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> model.predictNoise(List.of(new UnetRow(new float[length], 1f, p)), 8, 6));
        assertTrue(e.getMessage().contains("multiples of 4"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> model.predictNoise(List.of(new UnetRow(new float[length - 1], 1f, p)), 8, 8));
        assertTrue(e.getMessage().contains("row 0"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> model.predictNoise(
                List.of(new UnetRow(new float[length], 1f, new PromptEmbedding(new float[3], new float[32]))), 8, 8));
        assertTrue(e.getMessage().contains("prompt embedding"), e.getMessage());
    }

    @Test
    void aUnetConfigThatDisagreesWithTheEncodersIsNamed() throws IOException {
        Path copy = copyOfExport("wrong-cross-attention");
        editJson(copy.resolve("unet").resolve("config.json"), "cross_attention_dim", 96);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> OrtDiffusionModel.load(copy, "cpu", OrtDiffusionModel.Options.defaults()));
        assertEquals("unet/config.json: cross_attention_dim 96 is not the text encoders' widths summed "
                + "(32 + 32 = 64)", e.getMessage());
    }

    @Test
    void aSecondEncoderWithoutTextEmbedsIsNamed() throws IOException {
        Path copy = copyOfExport("no-text-embeds");
        Files.copy(copy.resolve("text_encoder").resolve("model.onnx"), copy.resolve("text_encoder_2").resolve("model.onnx"),
                StandardCopyOption.REPLACE_EXISTING);
        Files.delete(copy.resolve("text_encoder_2").resolve("config.json"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> OrtDiffusionModel.load(copy, "cpu", OrtDiffusionModel.Options.defaults()));
        assertTrue(e.getMessage().startsWith("text_encoder_2 outputs has no 'text_embeds'"), e.getMessage());
    }

    private static TextToImage.Request request(String sampler, long seed, int width, int height, int samples,
                                               double cfg) {
        PromptEmbedding prompt = model.encodePrompts(List.of("a lighthouse at dusk")).get(0);
        return new TextToImage.Request(prompt, model.emptyPrompt(), cfg, 3, sampler, seed, width, height, samples);
    }

    @Test
    void sdxlSizesComeOutAsPngsOfThatSize() {
        for (int[] size : new int[][]{{1024, 1024}, {640, 1536}}) {
            List<byte[]> images = TextToImage.generate(model, request("K_EULER", 1, size[0], size[1], 1, 7));
            assertEquals(1, images.size());
            PngImages.Decoded d = PngImages.decode(images.get(0));
            assertEquals(size[0], d.width());
            assertEquals(size[1], d.height());
            assertTrue(distinctBytes(d.rgb()) > 16, "the image is not flat");
        }
    }

    @Test
    void theSameSeedGivesTheSameBytesAndAnotherSeedOthers() {
        byte[] a = TextToImage.generate(model, request("K_EULER_ANCESTRAL", 42, 256, 256, 1, 7)).get(0);
        byte[] b = TextToImage.generate(model, request("K_EULER_ANCESTRAL", 42, 256, 256, 1, 7)).get(0);
        byte[] c = TextToImage.generate(model, request("K_EULER_ANCESTRAL", 43, 256, 256, 1, 7)).get(0);
        assertArrayEquals(a, b);
        assertFalse(Arrays.equals(a, c));
    }

    @Test
    void samplesAreDifferentImagesSeededInTurn() {
        List<byte[]> two = TextToImage.generate(model, request("K_EULER", 5, 256, 128, 2, 7));
        assertEquals(2, two.size());
        assertFalse(Arrays.equals(two.get(0), two.get(1)));
        for (byte[] png : two) {
            PngImages.Decoded d = PngImages.decode(png);
            assertEquals(256, d.width());
            assertEquals(128, d.height());
        }
        // image i is seeded seed + i: the second image is the first image of the next seed
        assertArrayEquals(two.get(1), TextToImage.generate(model, request("K_EULER", 6, 256, 128, 1, 7)).get(0));
    }

    @Test
    void everySamplerRunsAndGivesItsOwnImage() {
        Set<String> images = new HashSet<>();
        for (String sampler : Samplers.SUPPORTED) {
            byte[] png = TextToImage.generate(model, request(sampler, 9, 128, 128, 1, 5)).get(0);
            assertEquals(128, PngImages.decode(png).width());
            images.add(Arrays.toString(png));
        }
        assertEquals(Samplers.SUPPORTED.size(), images.size());
    }

    @Test
    void cfgOneRunsOnlyTheConditionalRowsAndEqualsTheConditionalPath() {
        CountingModel counting = new CountingModel(model);
        TextToImage.Request guided = request("K_EULER", 3, 128, 128, 2, 7);
        TextToImage.generate(counting, guided);
        assertEquals(List.of(4, 4, 4), counting.batches);

        counting.batches.clear();
        TextToImage.Request plain = request("K_EULER", 3, 128, 128, 2, 1);
        byte[] viaLoop = TextToImage.generate(counting, plain).get(0);
        assertEquals(List.of(2, 2, 2), counting.batches);

        // the conditional path by hand: scheduler, noise and cond rows only, no unconditional prompt at all
        DenoisingState state = new DenoisingState(Samplers.create("K_EULER", model.info().scheduler(), 3),
                new GaussianNoise(3), model.info().latentLength(16, 16), plain.prompt(), null, 1.0);
        while (!state.done()) {
            state.advance(model.predictNoise(state.rows(), 16, 16));
        }
        byte[] byHand = PngImages.encode(model.decode(List.of(state.latent()), 16, 16)[0], 128, 128);
        // the loop batched two images per UNet call, which does not change a row (see above)
        assertArrayEquals(byHand, viaLoop);
    }

    private static int distinctBytes(byte[] bytes) {
        Set<Byte> seen = new HashSet<>();
        for (byte b : bytes) {
            seen.add(b);
        }
        return seen.size();
    }

    /** Counts the rows of each UNet call. */
    private static final class CountingModel implements DiffusionModel {
        final DiffusionModel inner;
        final List<Integer> batches = new ArrayList<>();

        CountingModel(DiffusionModel inner) {
            this.inner = inner;
        }

        @Override
        public DiffusionModelInfo info() {
            return inner.info();
        }

        @Override
        public List<PromptEmbedding> encodePrompts(List<String> texts) {
            return inner.encodePrompts(texts);
        }

        @Override
        public PromptEmbedding emptyPrompt() {
            return inner.emptyPrompt();
        }

        @Override
        public float[][] predictNoise(List<UnetRow> rows, int latentHeight, int latentWidth) {
            batches.add(rows.size());
            return inner.predictNoise(rows, latentHeight, latentWidth);
        }

        @Override
        public byte[][] decode(List<float[]> latents, int latentHeight, int latentWidth) {
            return inner.decode(latents, latentHeight, latentWidth);
        }

        @Override
        public void close() {
        }
    }
}
