package dev.localbedrock.runtime.catalog;

import com.fasterxml.jackson.databind.JsonNode;

import java.nio.file.Path;
import java.util.Set;

/** The {@code customization:} section of models.yaml (see {@link CustomizationSettings}). */
final class CustomizationSectionParser {
    private static final Set<String> KEYS = Set.of("models_dir", "max_concurrent_jobs", "training_threads", "device",
            "method", "lora_rank", "lora_alpha", "max_custom_models");

    private CustomizationSectionParser() {
    }

    static CustomizationSettings parse(JsonNode node, Path base, Path cacheDir, String where) {
        CustomizationSettings d = CustomizationSettings.under(cacheDir);
        if (node == null || node.isNull()) {
            return d;
        }
        if (!node.isObject()) {
            throw new CatalogException(where + ": expected a mapping");
        }
        YamlValues.checkKeys(node, KEYS, where);
        String dir = text(node, "models_dir", null, where);
        String method = text(node, "method", d.method(), where);
        if (!CustomizationSettings.METHODS.contains(method)) {
            throw new CatalogException(where + ": 'method' must be one of " + CustomizationSettings.METHODS
                    + ", got '" + method + "'");
        }
        double alpha = d.loraAlpha();
        JsonNode a = node.get("lora_alpha");
        if (a != null && !a.isNull()) {
            if (!a.isNumber() || a.doubleValue() <= 0) {
                throw new CatalogException(where + ": 'lora_alpha' must be a number above 0, got " + a);
            }
            alpha = a.doubleValue();
        }
        return new CustomizationSettings(dir == null ? d.modelsDir() : base.resolve(dir).toAbsolutePath().normalize(),
                integer(node, "max_concurrent_jobs", d.maxConcurrentJobs(), 1, 64, where),
                integer(node, "training_threads", d.trainingThreads(), 1, 1024, where),
                text(node, "device", d.device(), where), method,
                integer(node, "lora_rank", d.loraRank(), 1, 1024, where), alpha,
                integer(node, "max_custom_models", d.maxCustomModels(), 1, 100_000, where));
    }

    private static String text(JsonNode node, String key, String fallback, String where) {
        JsonNode v = node.get(key);
        if (v == null || v.isNull()) {
            return fallback;
        }
        if (!v.isTextual() || v.textValue().isBlank()) {
            throw new CatalogException(where + ": '" + key + "' must be a non-empty string, got " + v);
        }
        return v.textValue().trim();
    }

    private static int integer(JsonNode node, String key, int fallback, int min, int max, String where) {
        JsonNode v = node.get(key);
        if (v == null || v.isNull()) {
            return fallback;
        }
        if (!v.canConvertToInt() || !v.isIntegralNumber() || v.intValue() < min || v.intValue() > max) {
            throw new CatalogException(where + ": '" + key + "' must be an integer from " + min + " to " + max
                    + ", got " + v);
        }
        return v.intValue();
    }
}
