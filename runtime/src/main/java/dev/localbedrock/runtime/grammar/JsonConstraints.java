package dev.localbedrock.runtime.grammar;

import com.fasterxml.jackson.databind.JsonNode;
import dev.localbedrock.engines.TextTokenizer;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.WeakHashMap;

/**
 * Where the runtime gets compiled constraints: one {@link TokenVocabulary} per tokenizer (decoding the vocabulary
 * once), and per (tokenizer, schema) one {@link JsonConstraint}, keyed by the schema's canonical JSON text, in a
 * bounded least-recently-used cache (tool schemas repeat from request to request). Thread-safe.
 */
public final class JsonConstraints {
    /** Compiled schemas kept per tokenizer. */
    static final int SCHEMAS_PER_TOKENIZER = 32;

    private static final Map<TextTokenizer, PerTokenizer> CACHE = new WeakHashMap<>();

    private JsonConstraints() {
    }

    /**
     * The constraint for {@code schema} over {@code tokenizer}'s first {@code vocabSize} ids.
     *
     * @throws IllegalArgumentException when the schema uses something the compiler does not support (the message
     *                                  names the keyword and where)
     */
    public static JsonConstraint forSchema(TextTokenizer tokenizer, int vocabSize, Set<Integer> eosTokenIds,
                                           JsonNode schema) {
        PerTokenizer p;
        synchronized (CACHE) {
            p = CACHE.computeIfAbsent(tokenizer, t -> new PerTokenizer());
        }
        return p.get(tokenizer, vocabSize, eosTokenIds, schema);
    }

    private static final class PerTokenizer {
        private TokenVocabulary vocab;
        private final LinkedHashMap<String, JsonConstraint> schemas = new LinkedHashMap<>(16, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<String, JsonConstraint> eldest) {
                return size() > SCHEMAS_PER_TOKENIZER;
            }
        };

        synchronized JsonConstraint get(TextTokenizer tokenizer, int vocabSize, Set<Integer> eos, JsonNode schema) {
            if (vocab == null || vocab.size != vocabSize) {
                vocab = TokenVocabulary.of(tokenizer, vocabSize, eos);
                schemas.clear();
            }
            String key = schema.toString();
            JsonConstraint c = schemas.get(key);
            if (c == null) {
                c = new JsonConstraint(vocab, schema);
                schemas.put(key, c);
            }
            return c;
        }
    }
}
