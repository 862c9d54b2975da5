package dev.localbedrock.codecs.agent;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;

/** bedrock-agent's tags: a map ({@code {"tags":{"k":"v"}}}), not bedrock's list of key/value pairs. */
final class Tags {
    private Tags() {
    }

    static Map<String, String> read(AgentJson.Reader in) {
        JsonNode n = in.node().get("tags");
        Map<String, String> tags = new LinkedHashMap<>();
        if (n == null || n.isNull()) {
            return tags;
        }
        if (!n.isObject()) {
            in.refuse("tags", "must be a map of tag keys to values.");
            return tags;
        }
        for (Iterator<Map.Entry<String, JsonNode>> it = n.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            if (!e.getValue().isTextual() || e.getKey().isEmpty() || e.getKey().length() > 128
                    || e.getValue().textValue().length() > 256) {
                in.refuse("tags", "must map keys of 1..128 characters to string values of 0..256 characters.");
                return tags;
            }
            tags.put(e.getKey(), e.getValue().textValue());
        }
        return tags;
    }
}
