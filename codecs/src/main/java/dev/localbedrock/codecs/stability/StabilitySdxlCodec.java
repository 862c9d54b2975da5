package dev.localbedrock.codecs.stability;

import dev.localbedrock.codecs.ImageFamilyCodec;
import dev.localbedrock.codecs.Json;
import dev.localbedrock.codecs.RequestBodyReader;
import dev.localbedrock.codecs.inference.ClipGuidancePreset;
import dev.localbedrock.codecs.inference.ImageArtifact;
import dev.localbedrock.codecs.inference.ImageGenerationOutcome;
import dev.localbedrock.codecs.inference.ImageGenerationRequest;
import dev.localbedrock.codecs.inference.ImageSampler;
import dev.localbedrock.codecs.inference.ImageSize;
import dev.localbedrock.codecs.inference.WeightedPrompt;
import dev.localbedrock.codecs.parameters.BodyParameter;
import dev.localbedrock.codecs.parameters.BodyShape;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Stability AI Stable Diffusion XL ({@code stability.stable-diffusion-xl-v0}, {@code -v1}), bedrock-spec §2.10:
 * text to image. The guide gives {@code text_prompts}, {@code cfg_scale} (0–30, default 10), {@code steps} (10–150,
 * default 30) and {@code seed}, and sends the rest of the body to Stability's v1 generation API, whose fields clients
 * also send: {@code height}/{@code width} (SDXL's nine sizes), {@code sampler}, {@code samples},
 * {@code style_preset}, {@code clip_guidance_preset} and the free-form {@code extras} (accepted, not used). Where
 * AWS's later SDXL 1.0 page differs from the guide ({@code cfg_scale} 0–35, default 7) the guide's values hold: it is
 * the Bedrock this server answers as.
 *
 * <p>The response is {@code {"result": "success", "artifacts": [{"seed", "base64", "finishReason"}]}}, one artifact
 * per image, the PNG in standard base64 with padding. Image models do not stream.
 */
public final class StabilitySdxlCodec implements ImageFamilyCodec {

    /** The family name in models.yaml. */
    public static final String FAMILY = "stability-sdxl";

    static final String TEXT_PROMPTS = "text_prompts";
    static final String TEXT = "text";
    static final String WEIGHT = "weight";
    static final String HEIGHT = "height";
    static final String WIDTH = "width";
    static final String CFG_SCALE = "cfg_scale";
    static final String CLIP_GUIDANCE_PRESET = "clip_guidance_preset";
    static final String SAMPLER = "sampler";
    static final String SAMPLES = "samples";
    static final String SEED = "seed";
    static final String STEPS = "steps";
    static final String STYLE_PRESET = "style_preset";
    static final String EXTRAS = "extras";

    /** A prompt's text may be empty and at most 2,000 characters (AWS's SDXL page). */
    static final int MAX_PROMPT_CHARS = 2000;
    /** A weight is a 32-bit float in Stability's API; no narrower range is documented. */
    static final double MAX_WEIGHT = Float.MAX_VALUE;
    static final double DEFAULT_WEIGHT = 1;

    /**
     * Stability's v1 API takes 1 to 10 images per request. AWS's later SDXL 1.0 page says Bedrock generates one; the
     * guide this server follows says nothing, so the API it points to decides.
     */
    static final int MAX_SAMPLES = 10;

    /** SDXL's sizes (width x height, about a megapixel each), the square default first. */
    static final List<ImageSize> SIZES = List.of(new ImageSize(1024, 1024), new ImageSize(1152, 896),
            new ImageSize(1216, 832), new ImageSize(1344, 768), new ImageSize(1536, 640), new ImageSize(640, 1536),
            new ImageSize(768, 1344), new ImageSize(832, 1216), new ImageSize(896, 1152));
    static final int DEFAULT_SIDE = 1024;
    static final int MIN_SIDE = 640;
    static final int MAX_SIDE = 1536;

    static final List<String> STYLE_PRESETS = List.of("3d-model", "analog-film", "anime", "cinematic", "comic-book",
            "digital-art", "enhance", "fantasy-art", "isometric", "line-art", "low-poly", "modeling-compound",
            "neon-punk", "origami", "photographic", "pixel-art", "tile-texture");

    private static final String SIZE_LIST = SIZES.stream().map(ImageSize::toString).collect(Collectors.joining(", "));

    /** The body's parameters in the order of AWS's SDXL page; {@link #decodeRequest} reads the body through these. */
    static final BodyParameter HEIGHT_PARAMETER = BodyParameter.integer(HEIGHT, MIN_SIDE, MAX_SIDE, DEFAULT_SIDE,
            "Image height in pixels; with the width, one of SDXL's sizes: " + SIZE_LIST + ".");
    static final BodyParameter WIDTH_PARAMETER = BodyParameter.integer(WIDTH, MIN_SIDE, MAX_SIDE, DEFAULT_SIDE,
            "Image width in pixels; with the height, one of SDXL's sizes: " + SIZE_LIST + ".");
    static final BodyParameter CFG_SCALE_PARAMETER = BodyParameter.number(CFG_SCALE, 0, 30, 10,
            "How strongly the image follows the prompt; lower gives more randomness.");
    static final BodyParameter CLIP_GUIDANCE_PARAMETER = BodyParameter.oneOf(CLIP_GUIDANCE_PRESET,
            names(ClipGuidancePreset.values()), ClipGuidancePreset.NONE.name(),
            "CLIP guidance: steer each step towards the prompt's CLIP embedding, at a cost in time.");
    static final BodyParameter SAMPLER_PARAMETER = BodyParameter.oneOf(SAMPLER, names(ImageSampler.values()), null,
            "The diffusion sampler; absent, the model picks one.");
    static final BodyParameter SAMPLES_PARAMETER = BodyParameter.integer(SAMPLES, 1, MAX_SAMPLES, 1,
            "How many images to generate.");
    static final BodyParameter SEED_PARAMETER = BodyParameter.longInteger(SEED, 0, ImageGenerationRequest.MAX_SEED, 0,
            "The initial noise: the same seed and settings give the same image; 0 picks one at random.");
    static final BodyParameter STEPS_PARAMETER = BodyParameter.integer(STEPS, 10, 150, 30,
            "Sampling steps: more are slower and more accurate.");
    static final BodyParameter STYLE_PRESET_PARAMETER = BodyParameter.oneOf(STYLE_PRESET, STYLE_PRESETS, null,
            "A style the image is guided towards; absent, none.");
    static final BodyShape SHAPE = BodyShape.of(null, HEIGHT_PARAMETER, WIDTH_PARAMETER, CFG_SCALE_PARAMETER,
            CLIP_GUIDANCE_PARAMETER, SAMPLER_PARAMETER, SAMPLES_PARAMETER, SEED_PARAMETER, STEPS_PARAMETER,
            STYLE_PRESET_PARAMETER);

    private static final Set<String> KEYS = Set.of(TEXT_PROMPTS, HEIGHT, WIDTH, CFG_SCALE, CLIP_GUIDANCE_PRESET,
            SAMPLER, SAMPLES, SEED, STEPS, STYLE_PRESET, EXTRAS);
    private static final Set<String> PROMPT_KEYS = Set.of(TEXT, WEIGHT);

    @Override
    public String family() {
        return FAMILY;
    }

    @Override
    public BodyShape bodyShape() {
        return SHAPE;
    }

    @Override
    public String promptsPath() {
        return TEXT_PROMPTS;
    }

    @Override
    public List<ImageSize> allowedSizes() {
        return SIZES;
    }

    @Override
    public ImageGenerationRequest decodeRequest(byte[] body) {
        RequestBodyReader reader = RequestBodyReader.parse(body, KEYS);
        List<WeightedPrompt> prompts = new ArrayList<>();
        List<WeightedPrompt> negativePrompts = new ArrayList<>();
        for (RequestBodyReader item : reader.requiredObjectList(TEXT_PROMPTS, 1, PROMPT_KEYS)) {
            String text = item.requiredString(TEXT, 0, MAX_PROMPT_CHARS);
            double weight = item.number(WEIGHT, -MAX_WEIGHT, MAX_WEIGHT, DEFAULT_WEIGHT);
            if (text != null) {
                // "A value that is less than zero declares a negative prompt"; 0 is a positive prompt that counts
                // for nothing.
                (weight < 0 ? negativePrompts : prompts).add(new WeightedPrompt(text, Math.abs(weight)));
            }
        }
        ImageSize size = size(reader);
        double cfgScale = reader.number(CFG_SCALE_PARAMETER);
        String clipGuidance = reader.oneOf(CLIP_GUIDANCE_PARAMETER);
        String sampler = reader.oneOf(SAMPLER_PARAMETER);
        int samples = reader.integer(SAMPLES_PARAMETER);
        long seed = reader.longInteger(SEED_PARAMETER);
        int steps = reader.integer(STEPS_PARAMETER);
        String stylePreset = reader.oneOf(STYLE_PRESET_PARAMETER);
        reader.ignoredObject(EXTRAS);
        reader.validate();

        return new ImageGenerationRequest(prompts, negativePrompts, cfgScale, steps, seed, size,
                sampler == null ? null : ImageSampler.valueOf(sampler), samples, stylePreset,
                ClipGuidancePreset.valueOf(clipGuidance));
    }

    /**
     * Width and height, each in range and together one of {@link #SIZES}. Either may be left out (it is then 1024),
     * so a lone {@code "width": 1152} is refused: 1152x1024 is not an SDXL size. The pair rule blames the side the
     * client wrote (the width when both), and stays silent when a side was already refused on its own.
     */
    private static ImageSize size(RequestBodyReader reader) {
        int before = reader.violationCount();
        int height = reader.integer(HEIGHT_PARAMETER);
        int width = reader.integer(WIDTH_PARAMETER);
        ImageSize size = new ImageSize(width, height);
        if (reader.violationCount() > before || SIZES.contains(size)) {
            return size;
        }
        String allowed = " (allowed width x height: " + SIZE_LIST + ")";
        if (reader.has(WIDTH)) {
            reader.reject(WIDTH, width + " is not an allowed width for height " + height + allowed);
        } else {
            reader.reject(HEIGHT, height + " is not an allowed height for width " + width + allowed);
        }
        return SIZES.get(0);
    }

    @Override
    public byte[] encodeResponse(ImageGenerationOutcome outcome) {
        Base64.Encoder base64 = Base64.getEncoder();
        long pngBytes = outcome.artifacts().stream().mapToLong(a -> a.pngBytes().length).sum();
        int sizeHint = (int) Math.min(Integer.MAX_VALUE - 8, 4 * (pngBytes / 3 + 1) + 96L * outcome.artifacts().size());
        return Json.write(sizeHint, g -> {
            g.writeStartObject();
            g.writeStringField("result", "success");
            g.writeArrayFieldStart("artifacts");
            for (ImageArtifact artifact : outcome.artifacts()) {
                g.writeStartObject();
                g.writeNumberField("seed", artifact.seed());
                g.writeStringField("base64", base64.encodeToString(artifact.pngBytes()));
                g.writeStringField("finishReason", artifact.finishReason().name());
                g.writeEndObject();
            }
            g.writeEndArray();
            g.writeEndObject();
        });
    }

    private static List<String> names(Enum<?>[] values) {
        return Arrays.stream(values).map(Enum::name).toList();
    }
}
