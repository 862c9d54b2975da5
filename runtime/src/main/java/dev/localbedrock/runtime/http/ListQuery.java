package dev.localbedrock.runtime.http;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.localbedrock.codecs.BedrockException;
import dev.localbedrock.codecs.Json;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.function.Predicate;

/**
 * The control plane's list operations' query parameters, as the service model constrains them: each given at most
 * once, enums, ISO-8601 timestamps, {@code maxResults} 1–1000, and the {@code sortBy}/{@code sortOrder}/{@code nextToken}
 * paging every List operation shares.
 */
final class ListQuery {
    private ListQuery() {
    }

    static <T> ObjectNode page(Map<String, List<String>> query, List<T> oldestFirst, Predicate<T> keep,
                               String member, Function<T, ObjectNode> describe) {
        oneOf(query, "sortBy", List.of("CreationTime"));
        String order = oneOf(query, "sortOrder", List.of("Ascending", "Descending"));
        int maxResults = maxResults(query);
        List<T> all = new ArrayList<>(oldestFirst.stream().filter(keep).toList());
        if ("Descending".equals(order)) {
            Collections.reverse(all);
        }
        int from = PageToken.decode(single(query, "nextToken"), all.size());
        int to = Math.min(all.size(), from + maxResults);
        ObjectNode body = Json.MAPPER.createObjectNode();
        if (to < all.size()) {
            body.put("nextToken", PageToken.encode(to));
        }
        ArrayNode items = body.putArray(member);
        all.subList(from, to).forEach(t -> items.add(describe.apply(t)));
        return body;
    }

    static int maxResults(Map<String, List<String>> query) {
        String max = single(query, "maxResults");
        if (max == null) {
            return 1000;
        }
        int n;
        try {
            n = Integer.parseInt(max);
        } catch (NumberFormatException e) {
            n = -1;
        }
        if (n < 1 || n > 1000) {
            throw BedrockException.validation("1 validation error detected: Value '" + clip(max) + "' at "
                    + "'maxResults' failed to satisfy constraint: Member must have value between 1 and 1000");
        }
        return n;
    }

    static Instant instant(Map<String, List<String>> query, String key) {
        String value = single(query, key);
        if (value == null) {
            return null;
        }
        try {
            return java.time.OffsetDateTime.parse(value).toInstant();
        } catch (java.time.format.DateTimeParseException e) {
            throw BedrockException.validation("1 validation error detected: Value '" + clip(value) + "' at '"
                    + key + "' failed to satisfy constraint: Member must be an ISO-8601 timestamp such as "
                    + "2024-01-31T12:00:00Z");
        }
    }

    static String single(Map<String, List<String>> query, String name) {
        List<String> values = query.get(name);
        if (values == null || values.isEmpty()) {
            return null;
        }
        if (values.size() > 1) {
            throw BedrockException.validation("The query parameter '" + name + "' is given " + values.size()
                    + " times; give it once.");
        }
        return values.get(0);
    }

    static String oneOf(Map<String, List<String>> query, String name, List<String> allowed) {
        String value = single(query, name);
        if (value != null && !allowed.contains(value)) {
            throw BedrockException.validation("1 validation error detected: Value '" + clip(value) + "' at '"
                    + name + "' failed to satisfy constraint: Member must satisfy enum value set: " + allowed);
        }
        return value;
    }

    static String clip(String s) {
        return s.length() <= 200 ? s : s.substring(0, 200) + "...";
    }
}
