package dev.localbedrock.engines.onnxbuild;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import dev.localbedrock.engines.synthetic.RandomSdxlPipeline;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.FloatBuffer;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The diffusion graphs against published numbers: parameter counts of the real architectures (counted, never
 * written) and diffusers' timestep embedding formula.
 */
class DiffusionGraphsTest {
    @TempDir
    Path tmp;

    /** runwayml/stable-diffusion-v1-5's UNet: the SD_512 UNet's structure with SD 1.5's conditioning. */
    private static final UnetGraph.Config SD15_UNET = new UnetGraph.Config(4, 4, 64, List.of(320, 640, 1280, 1280),
            List.of(true, true, true, false), 2, 1, 8, 32, 768, 0, 0);

    @Test
    void unetCountsAsManyParametersAsStableDiffusion15s() throws Exception {
        assertEquals(859_520_964L, UnetGraph.parameters(SD15_UNET));
    }

    @Test
    void sd512UnetAddsSdxlsConditioningToSd15() throws Exception {
        // attn2.to_k and to_v read 2048 instead of 768 wide context in every transformer: two in each of the three
        // attention down blocks, one in the mid block, three in each of the three attention up blocks
        long transformerWidths = 2L * (320 + 640 + 1280) + 1280 + 3L * (1280 + 640 + 320);
        long wideContext = 2L * (2048 - 768) * transformerWidths;
        // add_embedding: linear 2816 → 1280 and 1280 → 1280 with biases (2816 = 1280 pooled + 6 × 256)
        long addEmbedding = 2816L * 1280 + 1280 + 1280L * 1280 + 1280;
        UnetGraph.Config sd512 = RandomSdxlPipeline.Shape.SD_512.unet();
        assertEquals(2816, sd512.projectionClassEmbeddingsInputDim());
        assertEquals(859_520_964L + wideContext + addEmbedding, UnetGraph.parameters(sd512));
    }

    @Test
    void clipTextGraphCountsAsManyParametersAsClipVitL() throws Exception {
        // openai/clip-vit-large-patch14's text model (SDXL's first text encoder)
        ClipTextGraph.Config vitL = new ClipTextGraph.Config(49408, 768, 12, 12, 3072, 0,
                ClipTextGraph.Activation.QUICK_GELU);
        assertEquals(123_060_480L, ClipTextGraph.parameters(vitL));
    }

    @Test
    void timestepEmbeddingIsDiffusersGetTimestepEmbedding() throws Exception {
        int dim = 320;
        Path model = tmp.resolve("sinusoid.onnx");
        try (GraphWriter g = new GraphWriter("sinusoid", null)) {
            DiffusionNet net = DiffusionNet.writing(g, "sinusoid", 0);
            g.input("t", GraphWriter.FLOAT, "n");
            g.output("emb", GraphWriter.FLOAT, "n", dim);
            g.node("Identity").in(UnetGraph.sinusoid(net, "t", dim)).out("emb").build();
            g.writeModel(model, "test", Map.of());
        }
        float[] t = {0, 1, 10.5f, 500, 999};
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        float[] emb = new float[t.length * dim];
        try (OrtSession s = env.createSession(model.toString(), new OrtSession.SessionOptions());
             OnnxTensor in = OnnxTensor.createTensor(env, FloatBuffer.wrap(t), new long[] {t.length});
             OrtSession.Result r = s.run(Map.of("t", in))) {
            ((OnnxTensor) r.get(0)).getFloatBuffer().get(emb);
        }
        // diffusers get_timestep_embedding(t, 320, flip_sin_to_cos=True, downscale_freq_shift=0), in double
        int half = dim / 2;
        for (int n = 0; n < t.length; n++) {
            for (int i = 0; i < half; i++) {
                double arg = t[n] * Math.exp(-Math.log(10000) * i / (half - 0.0));
                String at = "t=" + t[n] + " i=" + i;
                // float32 arguments near 1000 carry an absolute error of about 1e-4, as in torch
                assertEquals(Math.cos(arg), emb[n * dim + i], 1e-3, at);
                assertEquals(Math.sin(arg), emb[n * dim + half + i], 1e-3, at);
            }
        }
    }
}
