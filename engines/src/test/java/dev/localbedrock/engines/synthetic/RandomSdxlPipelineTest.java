package dev.localbedrock.engines.synthetic;

import ai.onnxruntime.NodeInfo;
import ai.onnxruntime.OnnxJavaType;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.TensorInfo;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.localbedrock.engines.diffusion.SchedulerConfig;
import dev.localbedrock.engines.diffusion.SdxlTokenizers;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.FloatBuffer;
import java.nio.IntBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The SMOKE pipeline as a loader sees it: the export layout, the SDXL graph interfaces, and each graph run on real
 * inputs (tokenized prompts, SDXL's time_ids, 1024 px latents).
 */
class RandomSdxlPipelineTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final List<String> GRAPHS = List.of("text_encoder", "text_encoder_2", "unet", "vae_decoder");
    private static final long SEED = 42;

    @TempDir
    static Path tmp;
    static Path dir;
    static OrtEnvironment env;
    static final Map<String, OrtSession> sessions = new LinkedHashMap<>();

    @BeforeAll
    static void writeSmoke() throws IOException, OrtException {
        dir = tmp.resolve("sdxl");
        RandomSdxlPipeline.write(dir, RandomSdxlPipeline.Shape.SMOKE, SEED);
        env = OrtEnvironment.getEnvironment();
        for (String g : GRAPHS) {
            try (OrtSession.SessionOptions o = new OrtSession.SessionOptions()) {
                o.setIntraOpNumThreads(2);
                sessions.put(g, env.createSession(dir.resolve(g).resolve("model.onnx").toString(), o));
            }
        }
    }

    @AfterAll
    static void close() throws OrtException {
        for (OrtSession s : sessions.values()) {
            s.close();
        }
    }

    // ---------------------------------------------------------------- layout

    @Test
    void writesTheExportLayout() throws IOException {
        JsonNode index = read("model_index.json");
        assertEquals("StableDiffusionXLPipeline", index.path("_class_name").asText());
        assertTrue(index.path("force_zeros_for_empty_prompt").asBoolean());
        assertEquals("CLIPTextModelWithProjection", index.path("text_encoder_2").get(1).asText());
        assertEquals(SchedulerConfig.sdxl(), SchedulerConfig.read(dir.resolve("scheduler/scheduler_config.json")));
        assertEquals("EulerDiscreteScheduler", read("scheduler/scheduler_config.json").path("_class_name").asText());

        JsonNode unet = read("unet/config.json");
        assertEquals(4, unet.path("in_channels").asInt());
        assertEquals(4, unet.path("out_channels").asInt());
        assertEquals(128, unet.path("sample_size").asInt());
        assertEquals(64, unet.path("cross_attention_dim").asInt());
        assertEquals(8, unet.path("addition_time_embed_dim").asInt());
        assertEquals(32 + 6 * 8, unet.path("projection_class_embeddings_input_dim").asInt());
        assertEquals("[8,16,16]", unet.path("block_out_channels").toString());
        JsonNode vae = read("vae_decoder/config.json");
        assertEquals(0.13025, vae.path("scaling_factor").asDouble());
        assertEquals("[4,8,8,8]", vae.path("block_out_channels").toString());
        assertEquals(4, vae.path("latent_channels").asInt());
        JsonNode te = read("text_encoder/config.json");
        JsonNode te2 = read("text_encoder_2/config.json");
        assertEquals(32, te.path("hidden_size").asInt());
        assertEquals(2, te.path("num_hidden_layers").asInt());
        assertEquals(77, te.path("max_position_embeddings").asInt());
        assertEquals(32, te2.path("projection_dim").asInt());
        assertEquals(RandomSdxlPipeline.vocabSize(), te2.path("vocab_size").asInt());
        assertEquals(te.path("hidden_size").asInt() + te2.path("hidden_size").asInt(),
                unet.path("cross_attention_dim").asInt(), "encoder_hidden_states concatenates both encoders");
        for (String g : GRAPHS) {
            assertFalse(Files.exists(dir.resolve(g).resolve("model.onnx_data")), "small graphs keep weights inline");
        }
        try (Stream<Path> left = Files.list(tmp)) {
            assertEquals(0, left.filter(p -> p.getFileName().toString().startsWith(".")).count(),
                    "no temporary directory is left behind");
        }
    }

    @Test
    void tokenizersPadAsSdxlsAndEosIsTheLargestId() throws IOException {
        SdxlTokenizers t = SdxlTokenizers.load(dir);
        int vocab = RandomSdxlPipeline.vocabSize();
        assertEquals(vocab - 1, t.first().eosId());
        assertEquals(vocab - 2, t.first().bosId());
        assertEquals(t.first().eosId(), t.first().padId());
        assertEquals(0, t.second().padId(), "tokenizer_2 pads with '!', id 0 as in CLIP's vocabulary");
        int[] ids = t.first().encode("a photo of a cat");
        assertEquals(77, ids.length);
        assertEquals(t.first().bosId(), ids[0]);
        // the merges join known words ("photo" is one token); an unknown word falls back to bytes, never to unk
        List<String> tokens = t.first().tokenize("a photo of a cat");
        assertEquals("a</w>photo</w>of</w>a</w>cat</w>", String.join("", tokens));
        assertTrue(tokens.contains("photo</w>"), tokens.toString());
        for (int i = 1; i <= tokens.size(); i++) {
            assertTrue(ids[i] < vocab - 2, "content ids are ordinary tokens");
        }
        assertEquals(tokens.size() + 1, t.first().eosIndex(ids));
        assertEquals(List.of("z", "q", "x</w>"), t.second().tokenize("zqx"));
        assertEquals(0, t.second().encode("a cat")[t.second().eosIndex(t.second().encode("a cat")) + 1]);
    }

    @Test
    void existingDirectoryIsNotOverwritten() throws IOException {
        assertThrows(java.nio.file.FileAlreadyExistsException.class,
                () -> RandomSdxlPipeline.write(dir, RandomSdxlPipeline.Shape.SMOKE, SEED));
    }

    @Test
    void sameSeedWritesIdenticalFilesAndAnotherSeedOtherWeights() throws IOException {
        Path again = tmp.resolve("again");
        Path other = tmp.resolve("other");
        RandomSdxlPipeline.write(again, RandomSdxlPipeline.Shape.SMOKE, SEED);
        RandomSdxlPipeline.write(other, RandomSdxlPipeline.Shape.SMOKE, SEED + 1);
        List<Path> files;
        try (Stream<Path> s = Files.walk(dir)) {
            files = s.filter(Files::isRegularFile).map(dir::relativize).sorted().toList();
        }
        assertEquals(18, files.size(), files.toString());
        for (Path f : files) {
            assertArrayEquals(Files.readAllBytes(dir.resolve(f)), Files.readAllBytes(again.resolve(f)), f.toString());
        }
        for (String g : GRAPHS) {
            Path f = Path.of(g, "model.onnx");
            assertFalse(Arrays.equals(Files.readAllBytes(dir.resolve(f)), Files.readAllBytes(other.resolve(f))),
                    f.toString());
        }
    }

    // ---------------------------------------------------------------- interfaces

    @Test
    void graphsDeclareSdxlsInterfaces() throws OrtException {
        List<String> hidden = List.of("hidden_states.0", "hidden_states.1", "hidden_states.2");
        expect("text_encoder", true, "input_ids", OnnxJavaType.INT32, "batch", 77);
        List<String> te = new ArrayList<>(List.of("last_hidden_state", "pooler_output"));
        te.addAll(hidden);
        assertEquals(te, List.copyOf(sessions.get("text_encoder").getOutputNames()));
        expect("text_encoder", false, "last_hidden_state", OnnxJavaType.FLOAT, "batch", 77, 32);
        expect("text_encoder", false, "pooler_output", OnnxJavaType.FLOAT, "batch", 32);
        expect("text_encoder", false, "hidden_states.1", OnnxJavaType.FLOAT, "batch", 77, 32);

        expect("text_encoder_2", true, "input_ids", OnnxJavaType.INT32, "batch", 77);
        List<String> te2 = new ArrayList<>(List.of("text_embeds", "last_hidden_state"));
        te2.addAll(hidden);
        assertEquals(te2, List.copyOf(sessions.get("text_encoder_2").getOutputNames()));
        expect("text_encoder_2", false, "text_embeds", OnnxJavaType.FLOAT, "batch", 32);
        expect("text_encoder_2", false, "hidden_states.2", OnnxJavaType.FLOAT, "batch", 77, 32);

        assertEquals(List.of("sample", "timestep", "encoder_hidden_states", "text_embeds", "time_ids"),
                List.copyOf(sessions.get("unet").getInputNames()));
        expect("unet", true, "sample", OnnxJavaType.FLOAT, "batch", 4, "height", "width");
        expect("unet", true, "timestep", OnnxJavaType.FLOAT, "steps");
        expect("unet", true, "encoder_hidden_states", OnnxJavaType.FLOAT, "batch", "sequence", 64);
        expect("unet", true, "text_embeds", OnnxJavaType.FLOAT, "batch", 32);
        expect("unet", true, "time_ids", OnnxJavaType.FLOAT, "batch", 6);
        expect("unet", false, "out_sample", OnnxJavaType.FLOAT, "batch", 4, "height", "width");

        expect("vae_decoder", true, "latent_sample", OnnxJavaType.FLOAT, "batch", 4, "height", "width");
        expect("vae_decoder", false, "sample", OnnxJavaType.FLOAT, "batch", 3, "height_out", "width_out");
    }

    private static void expect(String graph, boolean input, String name, OnnxJavaType type, Object... dims)
            throws OrtException {
        OrtSession s = sessions.get(graph);
        Map<String, NodeInfo> infos = input ? s.getInputInfo() : s.getOutputInfo();
        TensorInfo t = (TensorInfo) infos.get(name).getInfo();
        assertEquals(type, t.type, graph + " " + name);
        long[] shape = t.getShape();
        String[] names = t.getDimensionNames();
        assertEquals(dims.length, shape.length, graph + " " + name + " rank");
        for (int i = 0; i < dims.length; i++) {
            if (dims[i] instanceof Integer n) {
                assertEquals((long) n, shape[i], graph + " " + name + " dim " + i);
            } else {
                assertEquals(dims[i], names[i], graph + " " + name + " dim " + i);
            }
        }
    }

    // ---------------------------------------------------------------- running

    @Test
    void textEncodersPoolTheEosStateAndDependOnThePrompt() throws Exception {
        SdxlTokenizers t = SdxlTokenizers.load(dir);
        String[] prompts = {"a photo of a cat", "an oil painting of a red house at night"};
        for (int e = 0; e < 2; e++) {
            var tok = e == 0 ? t.first() : t.second();
            int[][] ids = {tok.encode(prompts[0]), tok.encode(prompts[1])};
            Map<String, float[][]> out = runText(e == 0 ? "text_encoder" : "text_encoder_2", ids);
            float[][] last = out.get("last_hidden_state");
            assertEquals(77 * 32, last[0].length);
            for (float[][] v : out.values()) {
                finite(v);
                assertFalse(Arrays.equals(v[0], v[1]), "different prompts, different outputs");
            }
            assertEquals(3, out.keySet().stream().filter(k -> k.startsWith("hidden_states.")).count());
            if (e == 0) {
                float[][] pooled = out.get("pooler_output");
                for (int b = 0; b < 2; b++) {
                    int eos = tok.eosIndex(ids[b]);
                    assertArrayEquals(Arrays.copyOfRange(last[b], eos * 32, eos * 32 + 32), pooled[b], 0f,
                            "pooler_output is last_hidden_state at the eos position");
                }
            } else {
                assertEquals(32, out.get("text_embeds")[0].length);
            }
            // causal attention: bos, before the first difference, sees the same tokens in both prompts
            float[][] h1 = out.get("hidden_states.1");
            assertArrayEquals(Arrays.copyOfRange(h1[0], 0, 32), Arrays.copyOfRange(h1[1], 0, 32), 0f);
        }
    }

    @Test
    void unetPredictsFiniteNoiseThatDependsOnEveryInput() throws OrtException {
        int b = 2;
        int hw = 128;
        float[] sample = gaussian(1, b * 4 * hw * hw);
        float[] ehs = gaussian(2, b * 77 * 64);
        float[] pooled = gaussian(3, b * 32);
        float[] timeIds = {1024, 1024, 0, 0, 1024, 1024, 1024, 1024, 0, 0, 1024, 1024};
        float[] base = unet(sample, new float[] {999, 999}, ehs, pooled, timeIds, b, hw);
        finite(new float[][] {base});
        assertEquals(b * 4 * hw * hw, base.length);
        assertArrayEquals(base, unet(sample, new float[] {999}, ehs, pooled, timeIds, b, hw), 0f,
                "one timestep is broadcast to every row");
        float[] otherT = unet(sample, new float[] {999, 500}, ehs, pooled, timeIds, b, hw);
        int row = 4 * hw * hw;
        assertArrayEquals(Arrays.copyOf(base, row), Arrays.copyOf(otherT, row), 0f, "rows are independent");
        assertFalse(Arrays.equals(Arrays.copyOfRange(base, row, 2 * row), Arrays.copyOfRange(otherT, row, 2 * row)));
        float[] ehs2 = ehs.clone();
        ehs2[5] += 1f;
        assertFalse(Arrays.equals(base, unet(sample, new float[] {999, 999}, ehs2, pooled, timeIds, b, hw)));
        float[] pooled2 = pooled.clone();
        pooled2[0] += 1f;
        assertFalse(Arrays.equals(base, unet(sample, new float[] {999, 999}, ehs, pooled2, timeIds, b, hw)));
        float[] ids2 = timeIds.clone();
        ids2[2] = 64;
        assertFalse(Arrays.equals(base, unet(sample, new float[] {999, 999}, ehs, pooled, ids2, b, hw)));
        float[] sample2 = gaussian(4, b * 4 * hw * hw);
        assertFalse(Arrays.equals(base, unet(sample2, new float[] {999, 999}, ehs, pooled, timeIds, b, hw)));
    }

    @Test
    void vaeDecodesLatentsToImagesEightTimesLarger() throws OrtException {
        int hw = 128;
        float[] latents = gaussian(5, 4 * hw * hw);
        float[] image = vae(latents, hw);
        assertEquals(3 * 1024 * 1024, image.length);
        finite(new float[][] {image});
        double sq = 0;
        for (float v : image) {
            sq += v * v;
        }
        double rms = Math.sqrt(sq / image.length);
        assertTrue(rms > 1e-3 && rms < 100, "output stays O(1): rms " + rms);
        float[] other = latents.clone();
        other[0] += 1f;
        assertFalse(Arrays.equals(image, vae(other, hw)));
    }

    // ---------------------------------------------------------------- helpers

    private static Map<String, float[][]> runText(String graph, int[][] ids) throws OrtException {
        IntBuffer buf = IntBuffer.allocate(ids.length * 77);
        for (int[] row : ids) {
            buf.put(row);
        }
        buf.flip();
        Map<String, float[][]> out = new LinkedHashMap<>();
        try (OnnxTensor in = OnnxTensor.createTensor(env, buf, new long[] {ids.length, 77});
             OrtSession.Result r = sessions.get(graph).run(Map.of("input_ids", in))) {
            for (var e : r) {
                OnnxTensor t = (OnnxTensor) e.getValue();
                long[] shape = t.getInfo().getShape();
                float[] flat = new float[(int) t.getInfo().getNumElements()];
                t.getFloatBuffer().get(flat);
                int per = flat.length / (int) shape[0];
                float[][] rows = new float[(int) shape[0]][];
                for (int b = 0; b < rows.length; b++) {
                    rows[b] = Arrays.copyOfRange(flat, b * per, (b + 1) * per);
                }
                out.put(e.getKey(), rows);
            }
        }
        return out;
    }

    private static float[] unet(float[] sample, float[] t, float[] ehs, float[] pooled, float[] timeIds, int b,
                                int hw) throws OrtException {
        try (OnnxTensor s = tensor(sample, b, 4, hw, hw);
             OnnxTensor ts = tensor(t, t.length);
             OnnxTensor e = tensor(ehs, b, 77, 64);
             OnnxTensor p = tensor(pooled, b, 32);
             OnnxTensor ids = tensor(timeIds, b, 6);
             OrtSession.Result r = sessions.get("unet").run(Map.of("sample", s, "timestep", ts,
                     "encoder_hidden_states", e, "text_embeds", p, "time_ids", ids))) {
            OnnxTensor out = (OnnxTensor) r.get("out_sample").orElseThrow();
            assertArrayEquals(new long[] {b, 4, hw, hw}, out.getInfo().getShape());
            return floats(out);
        }
    }

    private static float[] vae(float[] latents, int hw) throws OrtException {
        try (OnnxTensor l = tensor(latents, 1, 4, hw, hw);
             OrtSession.Result r = sessions.get("vae_decoder").run(Map.of("latent_sample", l))) {
            OnnxTensor out = (OnnxTensor) r.get("sample").orElseThrow();
            assertArrayEquals(new long[] {1, 3, 8 * hw, 8 * hw}, out.getInfo().getShape());
            return floats(out);
        }
    }

    private static OnnxTensor tensor(float[] v, long... shape) throws OrtException {
        return OnnxTensor.createTensor(env, FloatBuffer.wrap(v), shape);
    }

    private static float[] floats(OnnxTensor t) {
        float[] f = new float[(int) t.getInfo().getNumElements()];
        t.getFloatBuffer().get(f);
        return f;
    }

    private static float[] gaussian(long seed, int n) {
        SplittableRandom r = new SplittableRandom(seed);
        float[] f = new float[n];
        for (int i = 0; i < n; i++) {
            f[i] = (float) (r.nextGaussian());
        }
        return f;
    }

    private static void finite(float[][] rows) {
        for (float[] row : rows) {
            for (float v : row) {
                assertTrue(Float.isFinite(v), "non-finite output " + v);
            }
        }
    }

    private static JsonNode read(String file) throws IOException {
        return JSON.readTree(dir.resolve(file).toFile());
    }
}
