package dev.localbedrock.codecs;

import dev.localbedrock.codecs.ai21.Jurassic2Codec;
import dev.localbedrock.codecs.anthropic.ClaudeTextCodec;
import dev.localbedrock.codecs.anthropic.messages.ClaudeMessagesCodec;
import dev.localbedrock.codecs.chat.ChatCodec;
import dev.localbedrock.codecs.cohere.CohereCommandCodec;
import dev.localbedrock.codecs.converse.ConverseCodec;
import dev.localbedrock.codecs.converse.ConverseFamily;
import dev.localbedrock.codecs.llama.Llama2Codec;
import dev.localbedrock.codecs.titan.TitanTextCodec;

import java.util.Collections;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * The chat wires by model family: Converse for every text family (its sampling defaults and top-k key are those of
 * the family's own InvokeModel body), and the Anthropic Messages body for the Claude ids that take it
 * ({@link ClaudeMessagesCodec#takesMessagesBody}). A closed list, like {@link TextFamilies}.
 */
public final class ChatFamilies {

    private static final Map<String, ConverseFamily> CONVERSE = new TreeMap<>();

    static {
        register(new ConverseFamily(Llama2Codec.FAMILY, 0.5, 0.9, true, null, 0, 0));
        register(new ConverseFamily(TitanTextCodec.FAMILY, 0, 1, false, null, 0, 0));
        register(new ConverseFamily(ClaudeTextCodec.FAMILY, 0.5, 1, false, "top_k", 500, 250));
        register(new ConverseFamily(ClaudeMessagesCodec.FAMILY, 1, 0.999, false, "top_k", 500, 0));
        register(new ConverseFamily(Jurassic2Codec.FAMILY, 0.5, 0.5, false, null, 0, 0));
        register(new ConverseFamily(CohereCommandCodec.FAMILY, 0.9, 0.75, true, "k", 500, 0));
    }

    private ChatFamilies() {
    }

    /**
     * The Converse codec for a model of {@code family}.
     *
     * @param defaultMaxTokens {@code maxTokens} when a request sends none
     * @param maxTokensLimit   the most a request may ask for
     * @throws IllegalArgumentException naming the known families when the name is unknown
     */
    public static ConverseCodec converse(String family, int defaultMaxTokens, int maxTokensLimit) {
        return new ConverseCodec(converseFamily(family), defaultMaxTokens, maxTokensLimit);
    }

    /** The Converse defaults of {@code family}. */
    public static ConverseFamily converseFamily(String family) {
        ConverseFamily f = family == null ? null : CONVERSE.get(family);
        if (f == null) {
            throw new IllegalArgumentException("unknown chat model family '" + family + "'; known families: "
                    + String.join(", ", CONVERSE.keySet()));
        }
        return f;
    }

    /**
     * The InvokeModel chat body for {@code modelId}: the Messages codec when the id takes that body
     * ({@code anthropic.claude-3-*} and later), else null (the model's text family codec answers InvokeModel).
     */
    public static ChatCodec invokeModelBody(String modelId, int maxTokensLimit) {
        return ClaudeMessagesCodec.takesMessagesBody(modelId) ? new ClaudeMessagesCodec(modelId, maxTokensLimit)
                : null;
    }

    /** The families Converse knows, sorted. */
    public static Set<String> names() {
        return Collections.unmodifiableSet(CONVERSE.keySet());
    }

    private static void register(ConverseFamily family) {
        if (CONVERSE.putIfAbsent(family.family(), family) != null) {
            throw new IllegalStateException("two Converse entries for family " + family.family());
        }
    }
}
