package dev.localbedrock.codecs;

import dev.localbedrock.codecs.titan.TitanEmbeddingsCodec;
import org.junit.jupiter.api.Test;

import java.util.Collections;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class EmbeddingFamiliesTest {

    @Test
    void findsTitanEmbeddings() {
        EmbeddingFamilyCodec codec = EmbeddingFamilies.forName("amazon-titan-embed");
        assertInstanceOf(TitanEmbeddingsCodec.class, codec);
        assertSame(codec, EmbeddingFamilies.forName("amazon-titan-embed"));
    }

    @Test
    void everyNameResolvesToACodecOfThatFamilyAndNoNameIsAlsoATextFamily() {
        assertTrue(EmbeddingFamilies.names().contains("amazon-titan-embed"));
        for (String name : EmbeddingFamilies.names()) {
            assertEquals(name, EmbeddingFamilies.forName(name).family());
        }
        assertTrue(Collections.disjoint(EmbeddingFamilies.names(), TextFamilies.names()));
        assertThrows(UnsupportedOperationException.class, () -> EmbeddingFamilies.names().add("x"));
    }

    @Test
    void unknownFamilyListsTheKnownOnes() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> EmbeddingFamilies.forName("meta-llama2"));
        assertTrue(e.getMessage().contains("'meta-llama2'"), e.getMessage());
        assertTrue(e.getMessage().contains("known families: amazon-titan-embed"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> EmbeddingFamilies.forName(null));
    }
}
