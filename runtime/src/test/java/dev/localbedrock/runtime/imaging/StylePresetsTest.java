package dev.localbedrock.runtime.imaging;

import dev.localbedrock.codecs.ImageFamilies;
import dev.localbedrock.codecs.inference.WeightedPrompt;
import dev.localbedrock.codecs.parameters.BodyParameter;
import dev.localbedrock.codecs.stability.StabilitySdxlCodec;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Set;
import java.util.TreeSet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

class StylePresetsTest {

    @Test
    void everyPresetTheCodecAcceptsHasAStyle() {
        BodyParameter row = ImageFamilies.forName(StabilitySdxlCodec.FAMILY).bodyShape().parameters().stream()
                .filter(p -> p.path().equals("style_preset")).findFirst().orElseThrow();
        assertEquals(new TreeSet<>(row.allowedValues()), new TreeSet<>(StylePresets.STYLES.keySet()));
    }

    @Test
    void aPresetRewritesEachPromptKeepingItFirstAndWeightedAndAddsItsNegative() {
        List<WeightedPrompt> prompts = List.of(new WeightedPrompt("a red fox", 2), new WeightedPrompt("snow", 0.5));
        List<WeightedPrompt> styled = StylePresets.styledPrompts(prompts, "origami");
        assertEquals(2, styled.size());
        assertTrue(styled.get(0).text().startsWith("a red fox, origami"), styled.get(0).text());
        assertEquals(2, styled.get(0).weight());
        assertTrue(styled.get(1).text().startsWith("snow, origami"), styled.get(1).text());
        List<WeightedPrompt> negatives = StylePresets.styledNegatives(List.of(new WeightedPrompt("text", 1)),
                "origami");
        assertEquals(2, negatives.size());
        assertEquals("text", negatives.get(0).text());
        assertEquals(StylePresets.STYLES.get("origami").negative(), negatives.get(1).text());
    }

    @Test
    void noPresetLeavesThePromptsAsGiven() {
        List<WeightedPrompt> prompts = List.of(new WeightedPrompt("a red fox", 1));
        assertSame(prompts, StylePresets.styledPrompts(prompts, null));
        assertSame(prompts, StylePresets.styledNegatives(prompts, null));
    }

    @Test
    void stylesDifferFromEachOther() {
        Set<String> templates = new TreeSet<>();
        StylePresets.STYLES.values().forEach(s -> templates.add(s.template()));
        assertEquals(StylePresets.STYLES.size(), templates.size());
    }
}
