package dev.localbedrock.engines.diffusion;

import java.io.IOException;
import java.nio.file.Path;

/**
 * SDXL's two CLIP tokenizers from a diffusers export: {@code tokenizer/} for {@code text_encoder} (CLIP ViT-L) and
 * {@code tokenizer_2/} for {@code text_encoder_2} (OpenCLIP ViT-bigG). They share vocabulary and merges and differ in
 * the pad token, so each prompt is encoded twice.
 */
public record SdxlTokenizers(ClipTokenizer first, ClipTokenizer second) {

    public static SdxlTokenizers load(Path exportRoot) throws IOException {
        return new SdxlTokenizers(ClipTokenizer.load(exportRoot.resolve("tokenizer")),
                ClipTokenizer.load(exportRoot.resolve("tokenizer_2")));
    }
}
