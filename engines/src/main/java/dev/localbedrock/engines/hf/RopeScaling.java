package dev.localbedrock.engines.hf;

import java.util.Map;

/**
 * A checkpoint's {@code rope_scaling} object, kept whole so each engine can implement the types it knows and name the
 * ones it does not.
 *
 * @param type       {@code rope_type} (newer configs) or {@code type} (older ones): {@code linear}, {@code dynamic},
 *                   {@code llama3}, {@code yarn}, ...
 * @param factor     {@code factor}, or 1 when absent
 * @param parameters every field of the object as parsed (numbers, strings, lists, maps)
 */
public record RopeScaling(String type, double factor, Map<String, Object> parameters) {

    /** A numeric parameter, or {@code fallback} when absent. */
    public double number(String key, double fallback) {
        Object v = parameters.get(key);
        return v instanceof Number n ? n.doubleValue() : fallback;
    }
}
