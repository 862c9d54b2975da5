package dev.localbedrock.codecs;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.localbedrock.codecs.inference.GenerationOutcome;
import dev.localbedrock.codecs.inference.StopReason;
import dev.localbedrock.codecs.inference.StreamChunk;
import dev.localbedrock.codecs.inference.TextGenerationRequest;
import dev.localbedrock.codecs.parameters.BodyParameter;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;

/** Each family's text paths find the text its own encoder wrote, in a response and in a stream chunk. */
class OutputTextPathsTest {
    static JsonNode at(JsonNode node, String path) {
        for (String key : path.split("\\.")) {
            node = node.isArray() ? node.path(Integer.parseInt(key)) : node.path(key);
        }
        return node;
    }

    /** The smallest valid body: the prompt and each required row at its minimum. */
    static TextGenerationRequest minimalRequest(TextFamilyCodec codec) {
        ObjectNode body = Json.MAPPER.createObjectNode();
        body.put(codec.bodyShape().promptPath(), "\n\nHuman: Say something\n\nAssistant:"); // Claude's form suits all
        for (BodyParameter p : codec.bodyShape().parameters()) {
            if (p.required()) {
                body.put(p.path(), p.min().intValue());
            }
        }
        return codec.decodeRequest(body.toString().getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void thePathsReadBackWhatTheEncodersWrote() throws Exception {
        for (String family : TextFamilies.names()) {
            TextFamilyCodec codec = TextFamilies.forName(family);
            String text = "the answer for " + family;
            JsonNode response = Json.MAPPER.readTree(codec.encodeResponse(minimalRequest(codec),
                    new GenerationOutcome(text, 3, 5, StopReason.MAX_TOKENS)));
            assertEquals(text, at(response, codec.responseTextPath()).asText(), family + " response");
            if (codec.streams()) {
                JsonNode chunk = Json.MAPPER.readTree(codec.encodeChunk(new StreamChunk(text, 3, 1, true, null, null)));
                assertEquals(text, at(chunk, codec.chunkTextPath()).asText(), family + " chunk");
            } else {
                assertNull(codec.chunkTextPath(), family);
            }
            assertFalse(codec.responseTextPath().isBlank());
        }
    }
}
