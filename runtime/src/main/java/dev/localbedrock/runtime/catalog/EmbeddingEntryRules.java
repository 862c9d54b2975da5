package dev.localbedrock.runtime.catalog;

import com.fasterxml.jackson.databind.JsonNode;
import dev.localbedrock.engines.EngineKind;

/**
 * What an embedding family's entry may say: only the keys every entry has ({@link ModelEntryParser#COMMON_KEYS}),
 * and only the engine its encoder runs on. Text generation keys mean nothing to an embedding model; naming one must
 * not pass silently.
 */
final class EmbeddingEntryRules {
    /** The encoders (engines' {@code EmbeddingModels}) run on ONNX Runtime only. */
    static final EngineKind ENGINE = EngineKind.ONNXRUNTIME;

    private EmbeddingEntryRules() {
    }

    static void checkKeys(JsonNode node, String family, String where) {
        for (String key : TextEntryKeys.KEYS) {
            if (node.has(key)) {
                throw new CatalogException(where + ": '" + key + "' applies to text generation models only, not to "
                        + "embedding family '" + family + "' (embedding entries take: "
                        + String.join(", ", ModelEntryParser.COMMON_KEYS) + ")");
            }
        }
    }

    static void checkEngine(EngineKind engine, String family, String where) {
        if (engine != ENGINE) {
            throw new CatalogException(where + ": embedding family '" + family + "' runs on the " + ENGINE.id()
                    + " engine only, not '" + engine.id() + "'");
        }
    }
}
