package dev.localbedrock.runtime;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SpecVersion;
import com.networknt.schema.ValidationMessage;

import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertTrue;

/** Checks the Converse client tests share (this module's and the frameworks'), independent of the server. */
public final class ConverseChecks {
    private static final ObjectMapper JSON = new ObjectMapper();

    private ConverseChecks() {
    }

    /** Fails unless {@code value} satisfies {@code schema} (JSON Schema 2020-12). */
    public static void assertValid(String schema, JsonNode value) {
        Set<ValidationMessage> errors = JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V202012)
                .getSchema(schema).validate(value);
        assertTrue(errors.isEmpty(), value + " against its schema: " + errors);
    }

    /** {@link #assertValid(String, JsonNode)} of a JSON text. */
    public static void assertValid(String schema, String json) throws Exception {
        assertValid(schema, JSON.readTree(json));
    }

    /**
     * Two characters of {@code text} whose first occurrence leaves non-blank text before it; for a text that repeats
     * one character (random weights can), its first two characters, which cut the turn to nothing.
     */
    public static String stopSequenceInside(String text) {
        for (int at = 1; at + 2 <= text.length(); at++) {
            String stop = text.substring(at, at + 2);
            if (!stop.isBlank() && !Character.isSurrogate(stop.charAt(0)) && !Character.isSurrogate(stop.charAt(1))
                    && stop.indexOf('\uFFFD') < 0 && !text.substring(0, text.indexOf(stop)).isBlank()) {
                return stop;
            }
        }
        if (text.length() >= 2 && !text.substring(0, 2).isBlank()) {
            return text.substring(0, 2);
        }
        throw new AssertionError("no stop sequence inside " + text);
    }
}
