package dev.localbedrock.codecs;

import dev.localbedrock.codecs.cohere.CohereEmbedCodec;
import dev.localbedrock.codecs.titan.TitanEmbeddingsCodec;

import java.util.Collections;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * The embedding families this runtime speaks, by the name models.yaml uses; the counterpart of
 * {@link TextFamilies}, closed for the same reason (an unknown name fails at startup with the list of valid ones).
 */
public final class EmbeddingFamilies {

    private static final Map<String, EmbeddingFamilyCodec> CODECS = new TreeMap<>();

    static {
        register(new TitanEmbeddingsCodec());
        register(new CohereEmbedCodec());
        // A new family is one more line here, e.g. register(new CohereEmbedCodec());
    }

    private EmbeddingFamilies() {
    }

    /**
     * The codec for a family name (codecs are stateless; the same instance is returned every time).
     *
     * @throws IllegalArgumentException naming the known families when the name is unknown
     */
    public static EmbeddingFamilyCodec forName(String family) {
        EmbeddingFamilyCodec codec = family == null ? null : CODECS.get(family);
        if (codec == null) {
            throw new IllegalArgumentException("unknown embedding model family '" + family + "'; known families: "
                    + String.join(", ", CODECS.keySet()));
        }
        return codec;
    }

    /** The known family names, sorted. */
    public static Set<String> names() {
        return Collections.unmodifiableSet(CODECS.keySet());
    }

    private static void register(EmbeddingFamilyCodec codec) {
        if (TextFamilies.names().contains(codec.family()) || CODECS.putIfAbsent(codec.family(), codec) != null) {
            throw new IllegalStateException("two codecs for family " + codec.family());
        }
    }
}
