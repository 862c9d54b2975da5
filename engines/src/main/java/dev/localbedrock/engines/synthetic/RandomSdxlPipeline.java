package dev.localbedrock.engines.synthetic;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.localbedrock.engines.onnxbuild.ClipTextGraph;
import dev.localbedrock.engines.onnxbuild.UnetGraph;
import dev.localbedrock.engines.onnxbuild.VaeDecoderGraph;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Writes a random-weight Stable Diffusion XL pipeline in the diffusers ONNX export layout ({@code model_index.json},
 * {@code scheduler/}, {@code tokenizer/}, {@code tokenizer_2/}, {@code text_encoder/}, {@code text_encoder_2/},
 * {@code unet/}, {@code vae_decoder/}), with SDXL's real graph interfaces (input and output names, ranks, dtypes) and
 * the same kind of computation at chosen widths, so the whole image path runs without downloading a model. The images
 * are noise, but finite, and they depend on the prompt, the seed and every input.
 *
 * <p>The graphs come from {@link ClipTextGraph}, {@link UnetGraph} and {@link VaeDecoderGraph}; the weights are
 * seeded ({@link RandomWeights#normal}) so the same seed writes byte-identical files. The tokenizers share a generated
 * CLIP BPE vocabulary ({@link ClipVocabulary}: eos is the largest id); {@code tokenizer_2} pads with {@code "!"} as
 * SDXL's does. The scheduler is SDXL's {@code EulerDiscreteScheduler} configuration.
 *
 * <p>The directory is written under a temporary sibling name and renamed into place, so a crash never leaves a half
 * pipeline under the target name.
 */
public final class RandomSdxlPipeline {
    /** SDXL VAE's {@code scaling_factor}. */
    public static final double VAE_SCALING_FACTOR = 0.13025;

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String DIFFUSERS_VERSION = "0.27.2";

    /** The pipeline's dimensions. */
    public enum Shape {
        /**
         * For tests: text encoders of width 32 and 32 (2 layers, 2 heads; cross_attention_dim 64, pooled 32), a UNet
         * with block_out_channels [8, 16, 16], 1 resnet per block, 2 heads, attention (cross-attention) only in the
         * lowest-resolution block and the mid block, 4 groups, addition_time_embed_dim 8, sample_size 128 (1024 px);
         * a VAE decoder with [4, 8, 8, 8] (×8 upsampling; 4 channels at full resolution), 1 layer per block,
         * 4 groups and no mid-block attention ({@code mid_block_add_attention} false: over the 16384 latent pixels of
         * a 1024 px image it would cost more than all the rest).
         */
        SMOKE(new ClipTextGraph.Config(vocabSize(), 32, 2, 2, 64, 0, ClipTextGraph.Activation.QUICK_GELU),
                new ClipTextGraph.Config(vocabSize(), 32, 2, 2, 64, 32, ClipTextGraph.Activation.GELU),
                new UnetGraph.Config(4, 4, 128, List.of(8, 16, 16), List.of(false, false, true), 1, 1, 2, 4,
                        64, 8, 32),
                new VaeDecoderGraph.Config(4, List.of(4, 8, 8, 8), 1, 4, false)),
        /**
         * For benchmarks only (several GB; never written by tests): an SD-1.5-shaped UNet (block_out_channels
         * [320, 640, 1280, 1280], 2 resnets per block, 8 heads, attention in the first three down blocks, the mid
         * block and the last three up blocks, 32 groups) with SDXL's conditioning interface (cross_attention_dim
         * 2048, pooled 1280, addition_time_embed_dim 256), sample_size 64 (512 px). The text encoders have SDXL's
         * widths (768 with 12 heads, 1280 with 20 heads, projection 1280) so the conditioning is real, but only 2
         * layers each instead of 12 and 32; the VAE decoder is SDXL's shape ([128, 256, 512, 512], 2 layers per
         * block, 32 groups).
         */
        SD_512(new ClipTextGraph.Config(vocabSize(), 768, 2, 12, 3072, 0, ClipTextGraph.Activation.QUICK_GELU),
                new ClipTextGraph.Config(vocabSize(), 1280, 2, 20, 5120, 1280, ClipTextGraph.Activation.GELU),
                new UnetGraph.Config(4, 4, 64, List.of(320, 640, 1280, 1280), List.of(true, true, true, false), 2,
                        1, 8, 32, 2048, 256, 1280),
                new VaeDecoderGraph.Config(4, List.of(128, 256, 512, 512), 2, 32, true));

        private final ClipTextGraph.Config textEncoder;
        private final ClipTextGraph.Config textEncoder2;
        private final UnetGraph.Config unet;
        private final VaeDecoderGraph.Config vae;

        Shape(ClipTextGraph.Config textEncoder, ClipTextGraph.Config textEncoder2, UnetGraph.Config unet,
              VaeDecoderGraph.Config vae) {
            if (textEncoder.hidden() + textEncoder2.hidden() != unet.crossAttentionDim()
                    || textEncoder2.projectionDim() != unet.pooledDim()) {
                throw new IllegalArgumentException(name() + ": the text encoders do not match the UNet's "
                        + "conditioning widths");
            }
            this.textEncoder = textEncoder;
            this.textEncoder2 = textEncoder2;
            this.unet = unet;
            this.vae = vae;
        }

        public ClipTextGraph.Config textEncoder() {
            return textEncoder;
        }

        public ClipTextGraph.Config textEncoder2() {
            return textEncoder2;
        }

        public UnetGraph.Config unet() {
            return unet;
        }

        public VaeDecoderGraph.Config vae() {
            return vae;
        }
    }

    private RandomSdxlPipeline() {
    }

    /** Size of the generated CLIP vocabulary (eos is {@code vocabSize() - 1}). */
    public static int vocabSize() {
        return ClipVocabulary.generate().size();
    }

    /**
     * Writes the pipeline to {@code dir}, which must not exist (or be an empty directory).
     *
     * @throws FileAlreadyExistsException when {@code dir} exists and is not an empty directory
     */
    public static void write(Path dir, Shape shape, long seed) throws IOException {
        NewDirectory.write(dir, "pipeline", tmp -> writeFiles(tmp, shape, seed));
    }

    private static void writeFiles(Path dir, Shape s, long seed) throws IOException {
        ClipVocabulary vocab = ClipVocabulary.generate();
        LlamaCheckpointFiles.writeJson(dir.resolve("model_index.json"), modelIndex());
        Files.createDirectory(dir.resolve("scheduler"));
        LlamaCheckpointFiles.writeJson(dir.resolve("scheduler/scheduler_config.json"), schedulerConfig());
        writeTokenizer(dir.resolve("tokenizer"), vocab, ClipVocabulary.END_OF_TEXT);
        writeTokenizer(dir.resolve("tokenizer_2"), vocab, "!");

        Path te = Files.createDirectory(dir.resolve("text_encoder"));
        ClipTextGraph.write(te.resolve("model.onnx"), s.textEncoder(), seed);
        LlamaCheckpointFiles.writeJson(te.resolve("config.json"), textConfig(s.textEncoder(), vocab, 0));
        Path te2 = Files.createDirectory(dir.resolve("text_encoder_2"));
        ClipTextGraph.write(te2.resolve("model.onnx"), s.textEncoder2(), seed);
        LlamaCheckpointFiles.writeJson(te2.resolve("config.json"),
                textConfig(s.textEncoder2(), vocab, vocab.id("!")));
        Path unet = Files.createDirectory(dir.resolve("unet"));
        UnetGraph.write(unet.resolve("model.onnx"), s.unet(), seed);
        LlamaCheckpointFiles.writeJson(unet.resolve("config.json"), unetConfig(s.unet()));
        Path vae = Files.createDirectory(dir.resolve("vae_decoder"));
        VaeDecoderGraph.write(vae.resolve("model.onnx"), s.vae(), seed);
        LlamaCheckpointFiles.writeJson(vae.resolve("config.json"), vaeConfig(s.vae(), s.unet().sampleSize()));
    }

    private static ObjectNode modelIndex() {
        ObjectNode n = JSON.createObjectNode();
        n.put("_class_name", "StableDiffusionXLPipeline");
        n.put("_diffusers_version", DIFFUSERS_VERSION);
        n.put("force_zeros_for_empty_prompt", true);
        component(n, "scheduler", "diffusers", "EulerDiscreteScheduler");
        component(n, "text_encoder", "transformers", "CLIPTextModel");
        component(n, "text_encoder_2", "transformers", "CLIPTextModelWithProjection");
        component(n, "tokenizer", "transformers", "CLIPTokenizer");
        component(n, "tokenizer_2", "transformers", "CLIPTokenizer");
        component(n, "unet", "diffusers", "UNet2DConditionModel");
        component(n, "vae_decoder", "diffusers", "AutoencoderKL");
        return n;
    }

    private static void component(ObjectNode n, String name, String library, String className) {
        n.putArray(name).add(library).add(className);
    }

    /** stabilityai/stable-diffusion-xl-base-1.0's scheduler_config.json. */
    private static ObjectNode schedulerConfig() {
        ObjectNode n = JSON.createObjectNode();
        n.put("_class_name", "EulerDiscreteScheduler");
        n.put("_diffusers_version", DIFFUSERS_VERSION);
        n.put("beta_end", 0.012);
        n.put("beta_schedule", "scaled_linear");
        n.put("beta_start", 0.00085);
        n.put("clip_sample", false);
        n.put("interpolation_type", "linear");
        n.put("num_train_timesteps", 1000);
        n.put("prediction_type", "epsilon");
        n.put("sample_max_value", 1.0);
        n.put("set_alpha_to_one", false);
        n.put("skip_prk_steps", true);
        n.put("steps_offset", 1);
        n.put("timestep_spacing", "leading");
        n.putNull("trained_betas");
        n.put("use_karras_sigmas", false);
        return n;
    }

    /** vocab.json, merges.txt and the two configs, as transformers saves a CLIPTokenizer. */
    private static void writeTokenizer(Path dir, ClipVocabulary vocab, String pad) throws IOException {
        Files.createDirectory(dir);
        Files.writeString(dir.resolve("vocab.json"), JSON.writeValueAsString(vocab.vocab()), StandardCharsets.UTF_8);
        Files.writeString(dir.resolve("merges.txt"), "#version: 0.2\n" + String.join("\n", vocab.merges()) + "\n",
                StandardCharsets.UTF_8);
        String bos = ClipVocabulary.START_OF_TEXT;
        String eos = ClipVocabulary.END_OF_TEXT;

        ObjectNode config = JSON.createObjectNode();
        config.put("add_prefix_space", false);
        ObjectNode added = config.putObject("added_tokens_decoder");
        if (!pad.equals(eos)) {
            addedToken(added, vocab.id(pad), pad, false);
        }
        addedToken(added, vocab.id(bos), bos, true);
        addedToken(added, vocab.id(eos), eos, false);
        config.put("bos_token", bos);
        config.put("clean_up_tokenization_spaces", true);
        config.put("do_lower_case", true);
        config.put("eos_token", eos);
        config.put("errors", "replace");
        config.put("model_max_length", ClipTextGraph.POSITIONS);
        config.put("pad_token", pad);
        config.put("tokenizer_class", "CLIPTokenizer");
        config.put("unk_token", eos);
        LlamaCheckpointFiles.writeJson(dir.resolve("tokenizer_config.json"), config);

        ObjectNode map = JSON.createObjectNode();
        specialToken(map, "bos_token", bos, true);
        specialToken(map, "eos_token", eos, true);
        specialToken(map, "pad_token", pad, !pad.equals("!"));
        specialToken(map, "unk_token", eos, true);
        LlamaCheckpointFiles.writeJson(dir.resolve("special_tokens_map.json"), map);
    }

    private static void addedToken(ObjectNode decoder, int id, String content, boolean normalized) {
        ObjectNode t = decoder.putObject(Integer.toString(id));
        t.put("content", content);
        t.put("lstrip", false);
        t.put("normalized", normalized);
        t.put("rstrip", false);
        t.put("single_word", false);
        t.put("special", true);
    }

    private static void specialToken(ObjectNode map, String key, String content, boolean normalized) {
        ObjectNode t = map.putObject(key);
        t.put("content", content);
        t.put("lstrip", false);
        t.put("normalized", normalized);
        t.put("rstrip", false);
        t.put("single_word", false);
    }

    private static ObjectNode textConfig(ClipTextGraph.Config c, ClipVocabulary vocab, int padId) {
        ObjectNode n = JSON.createObjectNode();
        n.putArray("architectures").add(c.projected() ? "CLIPTextModelWithProjection" : "CLIPTextModel");
        n.put("model_type", "clip_text_model");
        n.put("attention_dropout", 0.0);
        n.put("bos_token_id", vocab.id(ClipVocabulary.START_OF_TEXT));
        n.put("eos_token_id", vocab.id(ClipVocabulary.END_OF_TEXT));
        n.put("pad_token_id", padId);
        n.put("hidden_act", c.activation().hfName());
        n.put("hidden_size", c.hidden());
        n.put("initializer_factor", 1.0);
        n.put("intermediate_size", c.intermediate());
        n.put("layer_norm_eps", 1e-5);
        n.put("max_position_embeddings", ClipTextGraph.POSITIONS);
        n.put("num_attention_heads", c.heads());
        n.put("num_hidden_layers", c.layers());
        // CLIPTextModel configs carry projection_dim too (unused without a projection): the width of the pair
        n.put("projection_dim", c.projected() ? c.projectionDim() : c.hidden());
        n.put("torch_dtype", "float32");
        n.put("vocab_size", c.vocab());
        return n;
    }

    private static ObjectNode unetConfig(UnetGraph.Config c) {
        int n = c.blockOutChannels().size();
        ObjectNode o = JSON.createObjectNode();
        o.put("_class_name", "UNet2DConditionModel");
        o.put("_diffusers_version", DIFFUSERS_VERSION);
        o.put("act_fn", "silu");
        if (c.addedConditioning()) {
            o.put("addition_embed_type", "text_time");
            o.put("addition_time_embed_dim", c.additionTimeEmbedDim());
            o.put("projection_class_embeddings_input_dim", c.projectionClassEmbeddingsInputDim());
        }
        ArrayNode heads = o.putArray("attention_head_dim");
        ints(o.putArray("block_out_channels"), c.blockOutChannels());
        o.put("center_input_sample", false);
        o.put("cross_attention_dim", c.crossAttentionDim());
        ArrayNode down = o.putArray("down_block_types");
        ArrayNode up = o.putArray("up_block_types");
        ArrayNode transformerLayers = o.putArray("transformer_layers_per_block");
        for (int b = 0; b < n; b++) {
            boolean attn = c.crossAttention().get(b);
            down.add(attn ? "CrossAttnDownBlock2D" : "DownBlock2D");
            up.add(c.crossAttention().get(n - 1 - b) ? "CrossAttnUpBlock2D" : "UpBlock2D");
            heads.add(c.heads());
            transformerLayers.add(c.transformerLayers());
        }
        o.put("flip_sin_to_cos", true);
        o.put("freq_shift", 0);
        o.put("in_channels", c.inChannels());
        o.put("layers_per_block", c.layersPerBlock());
        o.put("mid_block_type", "UNetMidBlock2DCrossAttn");
        o.put("norm_eps", 1e-5);
        o.put("norm_num_groups", c.normGroups());
        o.put("out_channels", c.outChannels());
        o.put("sample_size", c.sampleSize());
        o.put("use_linear_projection", true);
        return o;
    }

    private static ObjectNode vaeConfig(VaeDecoderGraph.Config c, int latentSampleSize) {
        ObjectNode o = JSON.createObjectNode();
        o.put("_class_name", "AutoencoderKL");
        o.put("_diffusers_version", DIFFUSERS_VERSION);
        o.put("act_fn", "silu");
        ints(o.putArray("block_out_channels"), c.blockOutChannels());
        ArrayNode up = o.putArray("up_block_types");
        for (int i = 0; i < c.blockOutChannels().size(); i++) {
            up.add("UpDecoderBlock2D");
        }
        o.put("in_channels", 3);
        o.put("latent_channels", c.latentChannels());
        o.put("mid_block_add_attention", c.midBlockAttention());
        o.put("layers_per_block", c.layersPerBlock());
        o.put("norm_num_groups", c.normGroups());
        o.put("out_channels", 3);
        o.put("sample_size", latentSampleSize * c.upscale());
        o.put("scaling_factor", VAE_SCALING_FACTOR);
        return o;
    }

    private static void ints(ArrayNode a, List<Integer> values) {
        values.forEach(a::add);
    }
}
