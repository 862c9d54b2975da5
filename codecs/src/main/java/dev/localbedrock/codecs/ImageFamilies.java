package dev.localbedrock.codecs;

import dev.localbedrock.codecs.stability.StabilitySdxlCodec;

import java.util.Collections;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * The image families this runtime speaks, by the name models.yaml uses; the counterpart of {@link TextFamilies} and
 * {@link EmbeddingFamilies}, closed for the same reason (an unknown name fails at startup with the list of valid ones).
 * A name means one modality only, so a family name never says two things in models.yaml.
 */
public final class ImageFamilies {

    private static final Map<String, ImageFamilyCodec> CODECS = new TreeMap<>();

    static {
        register(new StabilitySdxlCodec());
    }

    private ImageFamilies() {
    }

    /**
     * The codec for a family name (codecs are stateless; the same instance is returned every time).
     *
     * @throws IllegalArgumentException naming the known families when the name is unknown
     */
    public static ImageFamilyCodec forName(String family) {
        ImageFamilyCodec codec = family == null ? null : CODECS.get(family);
        if (codec == null) {
            throw new IllegalArgumentException("unknown image model family '" + family + "'; known families: "
                    + String.join(", ", CODECS.keySet()));
        }
        return codec;
    }

    /** The known family names, sorted. */
    public static Set<String> names() {
        return Collections.unmodifiableSet(CODECS.keySet());
    }

    private static void register(ImageFamilyCodec codec) {
        String name = codec.family();
        if (TextFamilies.names().contains(name) || EmbeddingFamilies.names().contains(name)
                || CODECS.putIfAbsent(name, codec) != null) {
            throw new IllegalStateException("two codecs for family " + name);
        }
    }
}
