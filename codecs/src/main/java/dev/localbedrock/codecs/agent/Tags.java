package dev.localbedrock.codecs.agent;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.localbedrock.codecs.Json;

import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * bedrock-agent's tags: a map ({@code {"tags":{"k":"v"}}}), not bedrock's list of key/value pairs; keys 1..128 and
 * values 0..256 characters of {@code [a-zA-Z0-9\s._:/=+@-]}, as the service model has them.
 */
public final class Tags {
    private static final Pattern CHARACTERS = Pattern.compile("[a-zA-Z0-9\\s._:/=+@-]*");
    private static final String SHOWN = "^[a-zA-Z0-9\\s._:/=+@-]*$";

    private Tags() {
    }

    /** TagResource's body: the tags to add. */
    public static Map<String, String> readTagBody(byte[] body) {
        AgentJson.Violations v = new AgentJson.Violations();
        AgentJson.Reader in = new AgentJson.Reader(AgentJson.parse(body), "", v);
        if (!in.has("tags")) {
            v.add("tags", null, "Member must not be null");
        }
        Map<String, String> tags = read(in);
        v.throwIfAny();
        return tags;
    }

    /** UntagResource's {@code tagKeys} query values (0..200 keys). */
    public static List<String> checkKeys(List<String> keys) {
        AgentJson.Violations v = new AgentJson.Violations();
        if (keys.size() > 200) {
            v.add("tagKeys", keys.size() + " keys", "Member must have length less than or equal to 200");
        }
        for (String key : keys) {
            if (key.isEmpty() || key.length() > 128 || !CHARACTERS.matcher(key).matches()) {
                v.add("tagKeys", key, "Member must have length between 1 and 128 and satisfy regular expression"
                        + " pattern: " + SHOWN);
            }
        }
        v.throwIfAny();
        return keys;
    }

    /** ListTagsForResource's answer. */
    public static ObjectNode write(Map<String, String> tags) {
        ObjectNode out = Json.MAPPER.createObjectNode();
        ObjectNode map = out.putObject("tags");
        tags.forEach(map::put);
        return out;
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
            String key = e.getKey();
            JsonNode value = e.getValue();
            if (key.isEmpty() || key.length() > 128 || !CHARACTERS.matcher(key).matches()) {
                in.refuse("tags", "has the key '" + key + "'; keys are 1..128 characters matching " + SHOWN + ".");
            } else if (!value.isTextual() || value.textValue().length() > 256
                    || !CHARACTERS.matcher(value.textValue()).matches()) {
                in.refuse("tags", "has a bad value for '" + key + "'; values are strings of 0..256 characters"
                        + " matching " + SHOWN + ".");
            } else {
                tags.put(key, value.textValue());
            }
        }
        return tags;
    }
}
