package dev.localbedrock.runtime.catalog;

import com.fasterxml.jackson.databind.JsonNode;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The {@code functions:} section of models.yaml: where an agent's action-group Lambda runs. Each key is what an
 * action group's {@code actionGroupExecutor.lambda} says (a Lambda ARN or a function name), each value the http(s)
 * URL the server POSTs the Lambda event to. There is no Lambda here, so a function is any HTTP endpoint speaking
 * the Lambda contract.
 */
final class FunctionsSectionParser {
    private FunctionsSectionParser() {
    }

    /** An absent section means no functions: agents may still use RETURN_CONTROL action groups. */
    static Map<String, URI> parse(JsonNode node, String where) {
        if (node == null || node.isNull()) {
            return Map.of();
        }
        if (!node.isObject()) {
            throw new CatalogException(where + ": expected a mapping of Lambda ARN or name to URL");
        }
        Map<String, URI> functions = new LinkedHashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            String key = e.getKey();
            if (key.isBlank()) {
                throw new CatalogException(where + ": a function's name must not be empty");
            }
            JsonNode value = e.getValue();
            if (value == null || !value.isTextual()) {
                throw new CatalogException(where + ": '" + key + "' must be an http:// or https:// URL, got "
                        + value);
            }
            functions.put(key, url(value.asText(), where + ": '" + key + "'"));
        }
        return Map.copyOf(functions);
    }

    private static URI url(String text, String where) {
        URI uri;
        try {
            uri = new URI(text);
        } catch (URISyntaxException e) {
            throw new CatalogException(where + ": not a URL: " + text);
        }
        String scheme = uri.getScheme();
        if (scheme == null || !(scheme.equals("http") || scheme.equals("https")) || uri.getHost() == null) {
            throw new CatalogException(where + ": must be an http:// or https:// URL with a host, got " + text);
        }
        return uri;
    }
}
