package dev.localbedrock.runtime.imaging;

import dev.localbedrock.codecs.inference.WeightedPrompt;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Stability's {@code style_preset}s as prompt styles: a preset rewrites each positive prompt into its template and
 * adds its own negative prompt (weight 1) to the request's negative prompts. This is how SDXL front ends apply styles
 * (an SDXL pipeline has no style input of its own), so with a real SDXL export a preset steers the image in the same
 * direction; on the random-weight test pipeline it changes the noise, which is how a test sees it applied.
 *
 * <p>The wording is this server's own (Stability does not publish the text behind its presets); each template keeps
 * the user's prompt first so their subject dominates CLIP's 77 tokens.
 */
public final class StylePresets {

    /** A preset's positive template ({@code {prompt}} is the user's text) and its negative prompt. */
    record Style(String template, String negative) {
        Style {
            if (!template.contains("{prompt}")) {
                throw new IllegalArgumentException("a style template needs {prompt}: " + template);
            }
        }
    }

    private static final String BLURRY = "blurry, low quality, deformed, distorted";

    /** By Stability's names; {@code StabilitySdxlCodec} accepts exactly these. */
    static final Map<String, Style> STYLES = Map.ofEntries(
            Map.entry("3d-model", new Style("{prompt}, 3D model render, octane render, studio lighting, highly detailed",
                    "photograph, painting, sketch, flat, " + BLURRY)),
            Map.entry("analog-film", new Style("{prompt}, analog film photograph, film grain, faded colours, vintage",
                    "digital, painting, 3D render, oversaturated, " + BLURRY)),
            Map.entry("anime", new Style("{prompt}, anime artwork, anime style, key visual, vibrant, studio anime",
                    "photograph, realistic, 3D render, " + BLURRY)),
            Map.entry("cinematic", new Style("{prompt}, cinematic film still, shallow depth of field, dramatic "
                    + "lighting, film grain, moody", "cartoon, drawing, flat lighting, " + BLURRY)),
            Map.entry("comic-book", new Style("{prompt}, comic book art, bold ink outlines, halftone shading, graphic "
                    + "illustration", "photograph, realistic, 3D render, " + BLURRY)),
            Map.entry("digital-art", new Style("{prompt}, digital art, concept art, detailed digital painting",
                    "photograph, film grain, " + BLURRY)),
            Map.entry("enhance", new Style("{prompt}, highly detailed, sharp focus, professional, best quality",
                    BLURRY + ", noisy, grainy")),
            Map.entry("fantasy-art", new Style("{prompt}, fantasy art, epic, magical, ethereal light, detailed "
                    + "illustration", "photograph, mundane, modern, " + BLURRY)),
            Map.entry("isometric", new Style("{prompt}, isometric view, isometric illustration, clean lines, "
                    + "orthographic", "perspective, fisheye, photograph, " + BLURRY)),
            Map.entry("line-art", new Style("{prompt}, line art drawing, clean black lines on white, minimal",
                    "colour, shading, photograph, 3D render, " + BLURRY)),
            Map.entry("low-poly", new Style("{prompt}, low-poly art, flat-shaded polygons, geometric, 3D",
                    "photograph, smooth, detailed texture, " + BLURRY)),
            Map.entry("modeling-compound", new Style("{prompt}, made of modeling clay, claymation, handmade, "
                    + "plasticine", "photograph, drawing, " + BLURRY)),
            Map.entry("neon-punk", new Style("{prompt}, neon punk style, cyberpunk, neon lights, vivid magenta and "
                    + "cyan", "daylight, pastel, muted colours, " + BLURRY)),
            Map.entry("origami", new Style("{prompt}, origami, folded paper art, paper craft, crisp folds",
                    "photograph of a real object, painting, " + BLURRY)),
            Map.entry("photographic", new Style("{prompt}, photograph, 35mm, natural light, realistic, highly "
                    + "detailed", "drawing, painting, cartoon, 3D render, " + BLURRY)),
            Map.entry("pixel-art", new Style("{prompt}, pixel art, 16-bit, retro game sprite, limited palette",
                    "photograph, smooth gradients, high resolution, " + BLURRY)),
            Map.entry("tile-texture", new Style("{prompt}, seamless tileable texture, repeating pattern, flat, top "
                    + "down", "perspective, object, border, " + BLURRY)));

    private StylePresets() {
    }

    /** The positive prompts in {@code preset}'s template; as given when {@code preset} is null. */
    static List<WeightedPrompt> styledPrompts(List<WeightedPrompt> prompts, String preset) {
        Style style = style(preset);
        if (style == null) {
            return prompts;
        }
        List<WeightedPrompt> out = new ArrayList<>(prompts.size());
        for (WeightedPrompt p : prompts) {
            out.add(new WeightedPrompt(style.template().replace("{prompt}", p.text()), p.weight()));
        }
        return out;
    }

    /** The negative prompts with {@code preset}'s own added (weight 1); as given when {@code preset} is null. */
    static List<WeightedPrompt> styledNegatives(List<WeightedPrompt> negatives, String preset) {
        Style style = style(preset);
        if (style == null) {
            return negatives;
        }
        List<WeightedPrompt> out = new ArrayList<>(negatives);
        out.add(new WeightedPrompt(style.negative(), 1));
        return out;
    }

    private static Style style(String preset) {
        if (preset == null) {
            return null;
        }
        return Objects.requireNonNull(STYLES.get(preset), () -> "no style preset '" + preset + "'");
    }
}
