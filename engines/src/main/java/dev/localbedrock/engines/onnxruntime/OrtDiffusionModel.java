package dev.localbedrock.engines.onnxruntime;

import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import com.fasterxml.jackson.databind.JsonNode;
import dev.localbedrock.engines.diffusion.DiffusionModel;
import dev.localbedrock.engines.diffusion.DiffusionModelInfo;
import dev.localbedrock.engines.diffusion.PromptEmbedding;
import dev.localbedrock.engines.diffusion.SchedulerConfig;
import dev.localbedrock.engines.diffusion.SdxlTokenizers;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * An SDXL pipeline exported by diffusers/optimum to ONNX ({@code model_index.json}, {@code scheduler/},
 * {@code tokenizer/}, {@code tokenizer_2/}, and {@code model.onnx} of {@code text_encoder}, {@code text_encoder_2},
 * {@code unet}, {@code vae_decoder}) on ONNX Runtime: four sessions and the two CLIP tokenizers.
 *
 * <p>Shapes come from each component's {@code config.json} when present and from the graphs' declared shapes
 * otherwise, and must agree with each other (the UNet's {@code encoder_hidden_states} width is the two encoders'
 * widths summed, its {@code text_embeds} the second encoder's projection). Every input is fed in the element type its
 * graph declares, so fp16 exports (for CUDA) get float16 tensors and their float16 outputs come back as float32.
 *
 * <p>Images: the VAE output {@code x} maps to a byte as diffusers' {@code VaeImageProcessor.postprocess} with
 * {@code output_type="pil"} does, in float32: {@code v = clamp(x / 2 + 0.5, 0, 1)}, then {@code round(v × 255)} with
 * ties to even (numpy's {@code .round()}); a NaN becomes 0 (numpy's cast of NaN to uint8 is undefined).
 *
 * <p>Not thread-safe (see {@link DiffusionModel}); {@link #close} frees all sessions.
 */
public final class OrtDiffusionModel implements DiffusionModel {
    private static final Logger log = LoggerFactory.getLogger(OrtDiffusionModel.class);
    /** diffusers' {@code AutoencoderKL} default when the VAE config gives no {@code scaling_factor}. */
    static final double DEFAULT_SCALING_FACTOR = 0.18215;
    /** SDXL's UNet downsamples 4× (three resolution levels) when its config does not say. */
    private static final int DEFAULT_UNET_DOWNSAMPLING = 4;

    /**
     * Knobs of a diffusion model.
     *
     * @param intraOpThreads threads one operator may use; 0 or less means {@code OMP_NUM_THREADS}, else ONNX
     *                       Runtime's default
     * @param vaeBatchSize   latents per VAE decoder run (the decoder's activations at 1024² are large, so the default
     *                       decodes one at a time, as diffusers' {@code enable_vae_slicing})
     */
    public record Options(int intraOpThreads, int vaeBatchSize) {
        public Options {
            if (vaeBatchSize < 1) {
                throw new IllegalArgumentException("vaeBatchSize must be at least 1, got " + vaeBatchSize);
            }
        }

        public static Options defaults() {
            return new Options(0, 1);
        }
    }

    private final SdxlTokenizers tokenizers;
    private final ClipTextEncoderSession encoder1;
    private final ClipTextEncoderSession encoder2;
    private final UnetSession unet;
    private final VaeDecoderSession vae;
    private final DiffusionModelInfo info;
    private final boolean zerosForEmptyPrompt;
    private final float scalingFactor;
    private final int vaeBatchSize;
    private PromptEmbedding empty;
    private boolean closed;

    private OrtDiffusionModel(SdxlTokenizers tokenizers, ClipTextEncoderSession encoder1,
                              ClipTextEncoderSession encoder2, UnetSession unet, VaeDecoderSession vae,
                              DiffusionModelInfo info, boolean zerosForEmptyPrompt, float scalingFactor,
                              int vaeBatchSize) {
        this.tokenizers = tokenizers;
        this.encoder1 = encoder1;
        this.encoder2 = encoder2;
        this.unet = unet;
        this.vae = vae;
        this.info = info;
        this.zerosForEmptyPrompt = zerosForEmptyPrompt;
        this.scalingFactor = scalingFactor;
        this.vaeBatchSize = vaeBatchSize;
    }

    /**
     * Loads the export in {@code dir} onto {@code device}.
     *
     * @param device {@code cpu}, {@code cuda} or {@code cuda:N}
     * @throws java.nio.file.NoSuchFileException naming the first missing file
     * @throws IllegalArgumentException          naming the component and input when the parts do not fit together,
     *                                           or the device is unknown
     */
    public static OrtDiffusionModel load(Path dir, String device, Options options) throws IOException {
        SdxlExport export = SdxlExport.locate(dir);
        SchedulerConfig scheduler = SchedulerConfig.read(export.schedulerConfig());
        SdxlTokenizers tokenizers = SdxlTokenizers.load(dir);
        int tokens = tokenizers.first().maxLength();
        if (tokenizers.second().maxLength() != tokens) {
            throw new IllegalArgumentException("tokenizer/ gives " + tokens + " tokens but tokenizer_2/ gives "
                    + tokenizers.second().maxLength());
        }
        JsonNode vaeConfig = export.vaeDecoderConfig();
        if (vaeConfig.has("latents_mean") && !vaeConfig.path("latents_mean").isNull()) {
            throw new IllegalArgumentException(dir.resolve("vae_decoder").resolve("config.json")
                    + ": latents_mean/latents_std are not supported (SDXL's VAE has none)");
        }
        int vaeScale = vaeScaleFactor(vaeConfig, dir);
        float scaling = (float) vaeConfig.path("scaling_factor").asDouble(DEFAULT_SCALING_FACTOR);
        if (!(scaling > 0) || !Float.isFinite(scaling)) {
            throw new IllegalArgumentException("vae_decoder/config.json: scaling_factor must be positive, got "
                    + scaling);
        }
        JsonNode unetConfig = export.unetConfig();
        int unetDown = unetDownsampling(unetConfig);

        OrtEnvironment env = OrtRuntime.env();
        List<OrtSession> opened = new ArrayList<>(4); // closed here if loading fails
        long start = System.nanoTime();
        try (OrtSession.SessionOptions fixed = OrtRuntime.sessionOptions(device, options.intraOpThreads(), true);
             OrtSession.SessionOptions varying = OrtRuntime.sessionOptions(device, options.intraOpThreads(), false)) {
            ClipTextEncoderSession encoder1 = new ClipTextEncoderSession(env,
                    open(env, export.textEncoder(), fixed, opened), "text_encoder", null,
                    export.textEncoderConfig(), tokens);
            ClipTextEncoderSession encoder2 = new ClipTextEncoderSession(env,
                    open(env, export.textEncoder2(), fixed, opened), "text_encoder_2", "text_embeds",
                    export.textEncoder2Config(), tokens);
            int hiddenSize = encoder1.width() + encoder2.width();
            int configured = unetConfig.path("cross_attention_dim").asInt(-1);
            if (configured > 0 && configured != hiddenSize) {
                throw new IllegalArgumentException("unet/config.json: cross_attention_dim " + configured
                        + " is not the text encoders' widths summed (" + encoder1.width() + " + " + encoder2.width()
                        + " = " + hiddenSize + ")");
            }
            int projection = unetConfig.path("projection_class_embeddings_input_dim").asInt(-1);
            int timeEmbed = unetConfig.path("addition_time_embed_dim").asInt(-1);
            if (projection > 0 && timeEmbed > 0 && projection != encoder2.pooledWidth() + 6 * timeEmbed) {
                throw new IllegalArgumentException("unet/config.json: projection_class_embeddings_input_dim "
                        + projection + " is not text_embeds (" + encoder2.pooledWidth() + ") + 6 × "
                        + "addition_time_embed_dim (" + timeEmbed + ")");
            }
            // UNet batches change as requests come and go: no per-shape memory planning for it.
            UnetSession unet = new UnetSession(env, open(env, export.unet(), varying, opened), "unet",
                    unetConfig.path("in_channels").asInt(-1), tokens, hiddenSize, encoder2.pooledWidth());
            int latentChannels = vaeConfig.path("latent_channels").asInt(unet.channels());
            if (latentChannels != unet.channels()) {
                throw new IllegalArgumentException("vae_decoder/config.json: latent_channels " + latentChannels
                        + " but the UNet's latents have " + unet.channels() + " channels");
            }
            VaeDecoderSession vae = new VaeDecoderSession(env,
                    open(env, export.vaeDecoder(), fixed, opened), "vae_decoder", unet.channels(), vaeScale);
            DiffusionModelInfo info = new DiffusionModelInfo(unet.channels(), vaeScale, vaeScale * unetDown, tokens,
                    hiddenSize, encoder2.pooledWidth(), scheduler, export.pipelineClass() + " in " + dir);
            OrtDiffusionModel model = new OrtDiffusionModel(tokenizers, encoder1, encoder2, unet, vae, info,
                    export.forceZerosForEmptyPrompt(), scaling, options.vaeBatchSize());
            log.info("loaded diffusion model {} (hidden {}, pooled {}, VAE ×{}, sizes in multiples of {}) in {} ms",
                    info.description(), hiddenSize, info.pooledSize(), vaeScale, info.sizeMultiple(),
                    (System.nanoTime() - start) / 1_000_000);
            return model;
        } catch (OrtException e) {
            closeAll(opened);
            throw new IllegalArgumentException("ONNX Runtime cannot load the SDXL export in " + dir + ": "
                    + e.getMessage(), e);
        } catch (RuntimeException e) {
            closeAll(opened);
            throw e;
        }
    }

    /** {@code 2^(len(block_out_channels) - 1)} of the VAE config, diffusers' {@code vae_scale_factor}. */
    private static int vaeScaleFactor(JsonNode vaeConfig, Path dir) {
        JsonNode blocks = vaeConfig.path("block_out_channels");
        if (blocks.isArray() && !blocks.isEmpty()) {
            return 1 << (blocks.size() - 1);
        }
        if (vaeConfig.isMissingNode()) {
            // diffusers' own fallback when a pipeline has no VAE config to read
            log.warn("{} has no vae_decoder/config.json; assuming SDXL's VAE scale factor 8", dir);
            return 8;
        }
        throw new IllegalArgumentException("vae_decoder/config.json has no block_out_channels, so the VAE scale "
                + "factor is unknown");
    }

    private static int unetDownsampling(JsonNode unetConfig) {
        JsonNode blocks = unetConfig.path("block_out_channels");
        if (blocks.isArray() && !blocks.isEmpty()) {
            return 1 << (blocks.size() - 1);
        }
        JsonNode down = unetConfig.path("down_block_types");
        if (down.isArray() && !down.isEmpty()) {
            return 1 << (down.size() - 1);
        }
        return DEFAULT_UNET_DOWNSAMPLING;
    }

    private static OrtSession open(OrtEnvironment env, Path graph, OrtSession.SessionOptions options,
                                   List<OrtSession> opened) throws OrtException {
        OrtSession session = env.createSession(graph.toString(), options);
        opened.add(session);
        return session;
    }

    private static void closeAll(List<OrtSession> opened) {
        for (OrtSession session : opened) {
            OrtSessions.close(session, "a part of a diffusion model that failed to load");
        }
    }

    @Override
    public DiffusionModelInfo info() {
        return info;
    }

    @Override
    public List<PromptEmbedding> encodePrompts(List<String> texts) {
        ensureOpen();
        if (texts.isEmpty()) {
            return List.of();
        }
        int n = texts.size();
        int[][] ids1 = new int[n][];
        int[][] ids2 = new int[n][];
        for (int i = 0; i < n; i++) {
            String text = texts.get(i);
            if (text == null) {
                throw new IllegalArgumentException("prompt " + i + " is null");
            }
            ids1[i] = tokenizers.first().encode(text);
            ids2[i] = tokenizers.second().encode(text);
        }
        ClipTextEncoderSession.Encoded first = encoder1.encode(ids1);
        ClipTextEncoderSession.Encoded second = encoder2.encode(ids2);
        int w1 = encoder1.width();
        int w2 = encoder2.width();
        int tokens = info.tokens();
        List<PromptEmbedding> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            float[] hidden = new float[tokens * (w1 + w2)];
            for (int t = 0; t < tokens; t++) {
                System.arraycopy(first.hidden()[i], t * w1, hidden, t * (w1 + w2), w1);
                System.arraycopy(second.hidden()[i], t * w2, hidden, t * (w1 + w2) + w1, w2);
            }
            out.add(new PromptEmbedding(hidden, second.pooled()[i]));
        }
        return out;
    }

    @Override
    public PromptEmbedding emptyPrompt() {
        ensureOpen();
        if (empty == null) {
            empty = zerosForEmptyPrompt
                    ? new PromptEmbedding(new float[info.tokens() * info.hiddenSize()], new float[info.pooledSize()])
                    : encodePrompts(List.of("")).get(0);
        }
        return empty;
    }

    @Override
    public float[][] predictNoise(List<UnetRow> rows, int latentHeight, int latentWidth) {
        ensureOpen();
        checkLatentSize(latentHeight, latentWidth);
        if (rows.isEmpty()) {
            return new float[0][];
        }
        int length = info.latentLength(latentHeight, latentWidth);
        for (int i = 0; i < rows.size(); i++) {
            UnetRow row = rows.get(i);
            if (row.sample().length != length) {
                throw new IllegalArgumentException("row " + i + " has a sample of " + row.sample().length
                        + " values; a " + latentHeight + "×" + latentWidth + " latent has " + length);
            }
            checkPrompt(row.prompt(), "row " + i);
        }
        float h = latentHeight * info.vaeScaleFactor();
        float w = latentWidth * info.vaeScaleFactor();
        return unet.run(rows, latentHeight, latentWidth, new float[]{h, w, 0, 0, h, w});
    }

    @Override
    public byte[][] decode(List<float[]> latents, int latentHeight, int latentWidth) {
        ensureOpen();
        checkLatentSize(latentHeight, latentWidth);
        int length = info.latentLength(latentHeight, latentWidth);
        byte[][] images = new byte[latents.size()][];
        for (int from = 0; from < latents.size(); from += vaeBatchSize) {
            int to = Math.min(latents.size(), from + vaeBatchSize);
            List<float[]> scaled = new ArrayList<>(to - from);
            for (int i = from; i < to; i++) {
                float[] latent = latents.get(i);
                if (latent.length != length) {
                    throw new IllegalArgumentException("latent " + i + " has " + latent.length + " values; a "
                            + latentHeight + "×" + latentWidth + " latent has " + length);
                }
                float[] s = new float[length];
                for (int j = 0; j < length; j++) {
                    s[j] = latent[j] / scalingFactor; // a division, as diffusers' latents / scaling_factor
                }
                scaled.add(s);
            }
            float[][] decoded = vae.run(scaled, latentHeight, latentWidth);
            for (int i = from; i < to; i++) {
                images[i] = toRgb(decoded[i - from], latentHeight * info.vaeScaleFactor(),
                        latentWidth * info.vaeScaleFactor());
            }
        }
        return images;
    }

    /** CHW float in [-1, 1] to HWC RGB bytes, exactly as described in the class comment. */
    static byte[] toRgb(float[] chw, int height, int width) {
        int plane = height * width;
        byte[] rgb = new byte[3 * plane];
        for (int c = 0; c < 3; c++) {
            for (int p = 0; p < plane; p++) {
                rgb[3 * p + c] = (byte) toByte(chw[c * plane + p]);
            }
        }
        return rgb;
    }

    static int toByte(float x) {
        float v = x / 2f + 0.5f;
        if (!(v > 0f)) { // also NaN
            return 0;
        }
        if (v > 1f) {
            v = 1f;
        }
        return (int) Math.rint(v * 255f); // the float32 product, rounded half to even
    }

    private void checkLatentSize(int latentHeight, int latentWidth) {
        int multiple = info.sizeMultiple() / info.vaeScaleFactor();
        if (latentHeight < 1 || latentWidth < 1 || latentHeight % multiple != 0 || latentWidth % multiple != 0) {
            throw new IllegalArgumentException("latent size " + latentHeight + "×" + latentWidth
                    + " must be positive multiples of " + multiple + " (pixels in multiples of "
                    + info.sizeMultiple() + ")");
        }
    }

    private void checkPrompt(PromptEmbedding prompt, String where) {
        if (prompt.hidden().length != info.tokens() * info.hiddenSize()
                || prompt.pooled().length != info.pooledSize()) {
            throw new IllegalArgumentException(where + ": a prompt embedding of " + prompt.hidden().length + " + "
                    + prompt.pooled().length + " values; this model takes " + info.tokens() + " × "
                    + info.hiddenSize() + " + " + info.pooledSize());
        }
    }

    private void ensureOpen() {
        if (closed) {
            throw new IllegalStateException("diffusion model " + info.description() + " is closed");
        }
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        encoder1.close();
        encoder2.close();
        unet.close();
        vae.close();
    }

    @Override
    public String toString() {
        return "OrtDiffusionModel[" + info.description() + "]";
    }
}
