package dev.localbedrock.runtime.catalog;

import com.fasterxml.jackson.databind.JsonNode;
import dev.localbedrock.engines.EngineKind;

import java.util.ArrayList;
import java.util.List;

import static dev.localbedrock.runtime.catalog.YamlValues.integer;

/**
 * What an image family's entry may say: the keys every entry has, {@code max_queue_wait_seconds} (the wait for
 * admission, as for text) and {@code max_rows_per_step} (UNet rows one denoising step batches across requests); the
 * other text generation keys mean nothing to a diffusion pipeline and are refused rather than ignored.
 */
final class ImageEntryRules {
    /** The diffusion pipeline (engines' {@code DiffusionModels}) runs on ONNX Runtime only. */
    static final EngineKind ENGINE = EngineKind.ONNXRUNTIME;
    static final String MAX_ROWS_PER_STEP = "max_rows_per_step";
    static final String MAX_QUEUE_WAIT = "max_queue_wait_seconds";
    /**
     * Eight rows: four guided images (or eight at cfg_scale 1) per UNet call, which keeps an SDXL step's activations
     * within a 24 GB card at 1024×1024 while still letting a few requests share each step.
     */
    static final int DEFAULT_MAX_ROWS_PER_STEP = 8;

    private ImageEntryRules() {
    }

    /** The keys an image entry takes, in the order messages list them. */
    static List<String> keys() {
        List<String> keys = new ArrayList<>(ModelEntryParser.COMMON_KEYS);
        keys.add(MAX_QUEUE_WAIT);
        keys.add(MAX_ROWS_PER_STEP);
        return keys;
    }

    static void checkKeys(JsonNode node, String family, String where) {
        for (String key : TextEntryKeys.KEYS) {
            if (node.has(key) && !key.equals(MAX_QUEUE_WAIT)) {
                throw new CatalogException(where + ": '" + key + "' applies to text generation models only, not to "
                        + "image family '" + family + "' (image entries take: " + String.join(", ", keys()) + ")");
            }
        }
    }

    static void checkEngine(EngineKind engine, String family, String where) {
        if (engine != ENGINE) {
            throw new CatalogException(where + ": image family '" + family + "' runs on the " + ENGINE.id()
                    + " engine only, not '" + engine.id() + "'");
        }
    }

    /** {@code max_rows_per_step}, or the default; refused outside image families. */
    static int maxRowsPerStep(JsonNode node, boolean image, String family, String where) {
        if (!image && node.has(MAX_ROWS_PER_STEP)) {
            throw new CatalogException(where + ": '" + MAX_ROWS_PER_STEP + "' applies to image models only, not to "
                    + "family '" + family + "'");
        }
        return integer(node, MAX_ROWS_PER_STEP, DEFAULT_MAX_ROWS_PER_STEP, 1, 4096, where);
    }
}
