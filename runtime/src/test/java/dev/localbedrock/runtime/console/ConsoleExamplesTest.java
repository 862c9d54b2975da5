package dev.localbedrock.runtime.console;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.localbedrock.codecs.TextFamilies;
import dev.localbedrock.codecs.TextFamilyCodec;
import dev.localbedrock.codecs.parameters.BodyParameter;
import org.junit.jupiter.api.Test;

import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The examples library is data the codecs accept: each example names a served family, sets only parameters of that
 * family's table, and its prompt and parameters make a body the family's codec decodes without a validation error
 * (so "Open in playground" never loads a request the server refuses). At most 20 per family, as the guide's library.
 */
class ConsoleExamplesTest {
    @Test
    void everyExampleIsARequestItsFamilyAccepts() throws Exception {
        JsonNode root = new ObjectMapper().readTree(new ConsoleAssets().find("/console/examples.json").orElseThrow()
                .body());
        Set<String> ids = new HashSet<>();
        Map<String, Integer> perFamily = new HashMap<>();
        assertTrue(root.get("examples").size() >= 10);
        for (JsonNode e : root.get("examples")) {
            String id = e.get("id").asText();
            assertTrue(ids.add(id), "unique id " + id);
            for (String field : new String[] {"title", "category", "description", "prompt"}) {
                assertFalse(e.path(field).asText().isBlank(), id + " has a " + field);
            }
            String family = e.get("family").asText();
            assertTrue(TextFamilies.names().contains(family), id + ": family " + family);
            perFamily.merge(family, 1, Integer::sum);
            TextFamilyCodec codec = TextFamilies.forName(family);
            ObjectNode body = new ObjectMapper().createObjectNode();
            put(body, codec.bodyShape().promptPath(), new ObjectMapper().valueToTree(e.get("prompt").asText()));
            for (Iterator<Map.Entry<String, JsonNode>> it = e.get("parameters").fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> p = it.next();
                BodyParameter row = codec.bodyShape().parameter(p.getKey());
                assertNotNull(row, id + ": " + p.getKey() + " is a parameter of " + family);
                put(body, p.getKey(), p.getValue());
            }
            assertDoesNotThrow(() -> codec.decodeRequest(body.toString().getBytes()), id + ": " + body);
        }
        perFamily.forEach((family, n) -> assertTrue(n <= 20, family + " has " + n + " examples"));
    }

    private static void put(ObjectNode body, String path, JsonNode value) {
        String[] keys = path.split("\\.");
        ObjectNode o = body;
        for (int i = 0; i < keys.length - 1; i++) {
            o = o.has(keys[i]) ? (ObjectNode) o.get(keys[i]) : o.putObject(keys[i]);
        }
        o.set(keys[keys.length - 1], value);
    }
}
