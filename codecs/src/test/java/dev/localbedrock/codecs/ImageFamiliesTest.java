package dev.localbedrock.codecs;

import dev.localbedrock.codecs.stability.StabilitySdxlCodec;
import org.junit.jupiter.api.Test;

import java.util.Collections;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ImageFamiliesTest {

    @Test
    void findsStabilitySdxl() {
        ImageFamilyCodec codec = ImageFamilies.forName("stability-sdxl");
        assertInstanceOf(StabilitySdxlCodec.class, codec);
        assertSame(codec, ImageFamilies.forName("stability-sdxl"));
    }

    @Test
    void everyNameResolvesToACodecOfThatFamilyAndNoNameIsAnotherModalitys() {
        for (String name : ImageFamilies.names()) {
            assertEquals(name, ImageFamilies.forName(name).family());
        }
        assertTrue(Collections.disjoint(ImageFamilies.names(), TextFamilies.names()));
        assertTrue(Collections.disjoint(ImageFamilies.names(), EmbeddingFamilies.names()));
        assertThrows(UnsupportedOperationException.class, () -> ImageFamilies.names().add("x"));
    }

    @Test
    void unknownFamilyListsTheKnownOnes() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ImageFamilies.forName("amazon-titan-embed"));
        assertTrue(e.getMessage().contains("'amazon-titan-embed'"), e.getMessage());
        assertTrue(e.getMessage().contains("known families: stability-sdxl"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> ImageFamilies.forName(null));
    }
}
