package dev.localbedrock.codecs;

import dev.localbedrock.codecs.ai21.Jurassic2Codec;
import dev.localbedrock.codecs.anthropic.ClaudeTextCodec;
import dev.localbedrock.codecs.cohere.CohereCommandCodec;
import dev.localbedrock.codecs.llama.Llama2Codec;
import dev.localbedrock.codecs.titan.TitanTextCodec;

import java.util.Collections;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * The text families this runtime speaks, by the name models.yaml uses. A closed list rather than a
 * ServiceLoader: the families are part of the wire contract, and an unknown name in the config must fail at
 * startup with the list of valid ones, not at the first request.
 */
public final class TextFamilies {

    private static final Map<String, TextFamilyCodec> CODECS = new TreeMap<>();

    static {
        register(new Llama2Codec());
        register(new TitanTextCodec());
        register(new ClaudeTextCodec());
        register(new Jurassic2Codec());
        register(new CohereCommandCodec());
        // A new family is one more line here (and its model-id prefix in the runtime's BedrockFamilies).
    }

    private TextFamilies() {
    }

    /**
     * The codec for a family name (codecs are stateless; the same instance is returned every time).
     *
     * @throws IllegalArgumentException naming the known families when the name is unknown
     */
    public static TextFamilyCodec forName(String family) {
        TextFamilyCodec codec = family == null ? null : CODECS.get(family);
        if (codec == null) {
            throw new IllegalArgumentException("unknown text model family '" + family + "'; known families: "
                    + String.join(", ", CODECS.keySet()));
        }
        return codec;
    }

    /** The known family names, sorted. */
    public static Set<String> names() {
        return Collections.unmodifiableSet(CODECS.keySet());
    }

    private static void register(TextFamilyCodec codec) {
        if (CODECS.putIfAbsent(codec.family(), codec) != null) {
            throw new IllegalStateException("two codecs for family " + codec.family());
        }
    }
}
