package dev.localbedrock.runtime.auth;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * A received request as SigV4 sees it, independent of the HTTP stack: the verifier needs the bytes exactly as the
 * client sent them, because the client signed those and not any decoded form.
 *
 * @param method the request method, e.g. {@code POST}
 * @param target the request-target as received: the path and, after {@code ?}, the query, still percent-encoded
 *     exactly as sent (e.g. {@code /model/arn%3Aaws%3Abedrock%3A...%2Fmy-model/invoke})
 * @param headers every header, name to its values in the order received (one entry per header line); names are
 *     looked up case-insensitively
 * @param body the request body (empty, never null)
 */
public record SignedRequest(String method, String target, Map<String, List<String>> headers, byte[] body) {
    public SignedRequest {
        Objects.requireNonNull(method, "method");
        Objects.requireNonNull(target, "target");
        body = body == null ? new byte[0] : body;
        TreeMap<String, List<String>> byName = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
        if (headers != null) {
            headers.forEach((name, values) -> byName.computeIfAbsent(name, n -> new ArrayList<>()).addAll(values));
        }
        headers = Collections.unmodifiableMap(byName);
    }

    /** The header's values (empty when absent), in the order received. */
    public List<String> headerValues(String name) {
        List<String> values = headers.get(name);
        return values == null ? List.of() : values;
    }

    /** The header's first value, or null when absent. */
    public String header(String name) {
        List<String> values = headers.get(name);
        return values == null || values.isEmpty() ? null : values.get(0);
    }

    /** The path part of the target, still encoded as sent. */
    public String rawPath() {
        int q = target.indexOf('?');
        return q < 0 ? target : target.substring(0, q);
    }

    /** The query part of the target (after {@code ?}), still encoded as sent; empty when there is none. */
    public String rawQuery() {
        int q = target.indexOf('?');
        return q < 0 ? "" : target.substring(q + 1);
    }

    /** Never prints the body, which may hold anything. */
    @Override
    public String toString() {
        return "SignedRequest[" + method + " " + target + ", " + body.length + " body bytes]";
    }
}
