package dev.localbedrock.runtime.catalog;

import com.fasterxml.jackson.databind.JsonNode;

import java.time.Duration;
import java.util.Collection;
import java.util.Iterator;

/**
 * Typed reads of one key of a YAML mapping. Every failure is a {@link CatalogException} that starts with {@code where}
 * (the entry) and names the key and the accepted range, so a mistake can be fixed without reading the code.
 */
final class YamlValues {
    private YamlValues() {
    }

    /** Unknown keys are mistakes (a misspelt key would otherwise silently keep its default). */
    static void checkKeys(JsonNode node, Collection<String> allowed, String where) {
        for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
            String key = it.next();
            if (!allowed.contains(key)) {
                throw new CatalogException(where + ": unknown key '" + key + "'; allowed: " + allowed);
            }
        }
    }

    static String required(JsonNode node, String key, String where) {
        JsonNode v = node.get(key);
        if (v == null || v.isNull() || v.asText().isBlank()) {
            throw new CatalogException(where + ": '" + key + "' is required");
        }
        return v.asText().trim();
    }

    static String text(JsonNode node, String key, String dflt, String where) {
        JsonNode v = node.get(key);
        if (v == null || v.isNull()) {
            return dflt;
        }
        if (!v.isValueNode()) {
            throw new CatalogException(where + ": '" + key + "' must be a string");
        }
        return v.asText().trim();
    }

    static int integer(JsonNode node, String key, int dflt, int min, int max, String where) {
        JsonNode v = node.get(key);
        if (v == null || v.isNull()) {
            return dflt;
        }
        if (!v.canConvertToInt() || !v.isIntegralNumber() || v.asInt() < min || v.asInt() > max) {
            throw new CatalogException(where + ": '" + key + "' must be an integer from " + min + " to " + max
                    + ", not '" + v.asText() + "'");
        }
        return v.asInt();
    }

    static long longInteger(JsonNode node, String key, long dflt, long min, long max, String where) {
        JsonNode v = node.get(key);
        if (v == null || v.isNull()) {
            return dflt;
        }
        if (!v.canConvertToLong() || !v.isIntegralNumber() || v.asLong() < min || v.asLong() > max) {
            throw new CatalogException(where + ": '" + key + "' must be an integer from " + min + " to " + max
                    + ", not '" + v.asText() + "'");
        }
        return v.asLong();
    }

    /** A duration in seconds, fractions allowed (0.5 is half a second); greater than 0, at most a day. */
    static Duration seconds(JsonNode node, String key, double dflt, String where) {
        JsonNode v = node.get(key);
        if (v == null || v.isNull()) {
            return Duration.ofNanos((long) (dflt * 1e9));
        }
        if (!v.isNumber() || !(v.asDouble() > 0) || v.asDouble() > 86_400) {
            throw new CatalogException(where + ": '" + key + "' must be a number of seconds greater than 0 and at "
                    + "most 86400, not '" + v.asText() + "'");
        }
        return Duration.ofNanos(Math.max(1, Math.round(v.asDouble() * 1e9)));
    }
}
