package dev.localbedrock.codecs.inference;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** The image types refuse what no codec may produce and no engine could honour. */
class ImageNeutralTypesTest {

    private static final List<WeightedPrompt> ONE = List.of(new WeightedPrompt("a cat", 1));
    private static final ImageSize SQUARE = new ImageSize(1024, 1024);

    @Test
    void aRequestNeedsAPromptAndSaneNumbers() {
        assertThrows(IllegalArgumentException.class, () -> request(List.of(), List.of(), 7, 30, 0, 1));
        assertThrows(IllegalArgumentException.class, () -> request(ONE, List.of(), Double.NaN, 30, 0, 1));
        assertThrows(IllegalArgumentException.class, () -> request(ONE, List.of(), -1, 30, 0, 1));
        assertThrows(IllegalArgumentException.class, () -> request(ONE, List.of(), 7, 0, 0, 1));
        assertThrows(IllegalArgumentException.class, () -> request(ONE, List.of(), 7, 30, 0, 0));
        assertThrows(IllegalArgumentException.class, () -> request(ONE, List.of(), 7, 30, -1, 1));
        assertThrows(IllegalArgumentException.class,
                () -> request(ONE, List.of(), 7, 30, ImageGenerationRequest.MAX_SEED + 1, 1));
        ImageGenerationRequest onlyNegative = request(List.of(), ONE, 7, 30, ImageGenerationRequest.MAX_SEED, 1);
        assertEquals(ClipGuidancePreset.NONE, onlyNegative.clipGuidancePreset());
    }

    @Test
    void weightsAreMagnitudes() {
        assertThrows(IllegalArgumentException.class, () -> new WeightedPrompt("a", -0.5));
        assertThrows(IllegalArgumentException.class, () -> new WeightedPrompt("a", Double.POSITIVE_INFINITY));
        assertThrows(NullPointerException.class, () -> new WeightedPrompt(null, 1));
    }

    @Test
    void anArtifactHasARealSeedAndAnImageUnlessItFailed() {
        assertThrows(IllegalArgumentException.class, () -> new ImageArtifact(0, new byte[1], ImageFinishReason.SUCCESS));
        assertThrows(IllegalArgumentException.class,
                () -> new ImageArtifact(ImageGenerationRequest.MAX_SEED + 1, new byte[1], ImageFinishReason.SUCCESS));
        assertThrows(IllegalArgumentException.class,
                () -> new ImageArtifact(1, new byte[0], ImageFinishReason.CONTENT_FILTERED));
        new ImageArtifact(1, new byte[0], ImageFinishReason.ERROR);
        assertThrows(IllegalArgumentException.class, () -> new ImageGenerationOutcome(List.of()));
        assertThrows(IllegalArgumentException.class, () -> new ImageSize(0, 1024));
        assertEquals("1152x896", new ImageSize(1152, 896).toString());
    }

    private static ImageGenerationRequest request(List<WeightedPrompt> prompts, List<WeightedPrompt> negative,
                                                  double cfg, int steps, long seed, int samples) {
        return new ImageGenerationRequest(prompts, negative, cfg, steps, seed, SQUARE, null, samples, null, null);
    }
}
