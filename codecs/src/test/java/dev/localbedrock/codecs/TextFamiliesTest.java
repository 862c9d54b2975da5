package dev.localbedrock.codecs;

import dev.localbedrock.codecs.llama.Llama2Codec;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TextFamiliesTest {

    @Test
    void findsLlama2() {
        TextFamilyCodec codec = TextFamilies.forName("meta-llama2");
        assertInstanceOf(Llama2Codec.class, codec);
        assertSame(codec, TextFamilies.forName("meta-llama2"));
    }

    @Test
    void everyNameResolvesToACodecOfThatFamily() {
        assertTrue(TextFamilies.names().contains("meta-llama2"));
        for (String name : TextFamilies.names()) {
            assertEquals(name, TextFamilies.forName(name).family());
        }
        assertThrows(UnsupportedOperationException.class, () -> TextFamilies.names().add("x"));
    }

    @Test
    void unknownFamilyListsTheKnownOnes() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> TextFamilies.forName("meta-llama3"));
        assertTrue(e.getMessage().contains("meta-llama3"), e.getMessage());
        assertTrue(e.getMessage().contains("known families: " + String.join(", ", TextFamilies.names())),
                e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> TextFamilies.forName(null));
    }
}
