package dev.localbedrock.codecs;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertEquals;

class AwsErrorBodiesTest {

    @Test
    void plainMessage() {
        assertEquals("{\"message\":\"Model not found\"}",
                new String(AwsErrorBodies.json("Model not found"), StandardCharsets.UTF_8));
    }

    @Test
    void escapesEverythingJsonNeeds() throws IOException {
        String message = "a \"quote\", a \\ backslash,\nnewline,\ttab, \u0001 control, ünïcode ✓ 😀 </script>";
        JsonNode body = Json.MAPPER.readTree(AwsErrorBodies.json(message));
        assertEquals(1, body.size());
        assertEquals(message, body.get("message").textValue());
    }

    @Test
    void nullMessageIsEmptyString() {
        assertEquals("{\"message\":\"\"}", new String(AwsErrorBodies.json(null), StandardCharsets.UTF_8));
    }
}
