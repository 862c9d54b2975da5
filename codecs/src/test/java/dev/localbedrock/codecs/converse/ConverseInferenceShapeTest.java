package dev.localbedrock.codecs.converse;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.localbedrock.codecs.BedrockException;
import dev.localbedrock.codecs.ChatFamilies;
import dev.localbedrock.codecs.Json;
import dev.localbedrock.codecs.SamplingValues;
import dev.localbedrock.codecs.chat.ChatRequest;
import dev.localbedrock.codecs.parameters.BodyParameter;
import dev.localbedrock.codecs.parameters.BodyShape;
import dev.localbedrock.codecs.parameters.BodyShapeJson;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.util.Collections;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Converse's {@code inferenceConfig} table states what the codec accepts, with the model's own defaults. */
class ConverseInferenceShapeTest {

    private final ConverseCodec cohere = ChatFamilies.converse("cohere-command", 20, 4096);

    @Test
    void theTableCarriesTheModelsLimitAndTheFamilysDefaults() {
        BodyShape shape = cohere.inferenceShape();
        assertNull(shape.promptPath());
        BodyParameter maxTokens = shape.parameter("inferenceConfig.maxTokens");
        assertEquals(1, maxTokens.min());
        assertEquals(4096, maxTokens.max());
        assertEquals(20, maxTokens.defaultValue());
        assertEquals(0.9, shape.parameter("inferenceConfig.temperature").defaultNumber());
        assertEquals(0.75, shape.parameter("inferenceConfig.topP").defaultNumber());
        assertEquals(ConverseCodec.MAX_STOP_SEQUENCES, shape.parameter("inferenceConfig.stopSequences").maxItems());
        assertTrue(new String(BodyShapeJson.write(shape), StandardCharsets.UTF_8).startsWith(
                "{\"promptPath\":null,\"parameters\":[{\"path\":\"inferenceConfig.maxTokens\",\"kind\":\"integer\""));
    }

    @Test
    void aBodyWithoutInferenceConfigDecodesToTheTableDefaults() {
        ChatRequest request = cohere.decodeRequest(body(Json.MAPPER.createObjectNode()));
        BodyShape shape = cohere.inferenceShape();
        assertEquals(shape.parameter("inferenceConfig.maxTokens").defaultInteger(), request.maxTokens());
        assertEquals(SamplingValues.temperature(shape.parameter("inferenceConfig.temperature").defaultNumber()),
                request.sampling().temperature());
        assertEquals(SamplingValues.topPZeroDisables(shape.parameter("inferenceConfig.topP").defaultNumber()),
                request.sampling().topP());
        assertEquals(List.of(), request.stopSequences());
    }

    @ParameterizedTest
    @ValueSource(strings = {"inferenceConfig.temperature", "inferenceConfig.topP"})
    void aNumberIsAcceptedAtItsBoundsAndRefusedOneStepBeyond(String path) {
        BodyParameter p = cohere.inferenceShape().parameter(path);
        BigDecimal min = BigDecimal.valueOf(p.min());
        BigDecimal max = BigDecimal.valueOf(p.max());
        cohere.decodeRequest(body(config().put(p.key(), min)));
        cohere.decodeRequest(body(config().put(p.key(), max)));
        assertTrue(refused(config().put(p.key(), min.subtract(p.step()))).contains("at '" + path
                + "' failed to satisfy constraint: Member must have value greater than or equal to 0"));
        assertTrue(refused(config().put(p.key(), max.add(p.step()))).contains("at '" + path
                + "' failed to satisfy constraint: Member must have value less than or equal to 1"));
    }

    @Test
    void maxTokensIsAcceptedAtItsBoundsAndRefusedBeyondThem() {
        assertEquals(1, cohere.decodeRequest(body(config().put("maxTokens", 1))).maxTokens());
        assertEquals(4096, cohere.decodeRequest(body(config().put("maxTokens", 4096))).maxTokens());
        assertTrue(refused(config().put("maxTokens", 0)).contains("at 'inferenceConfig.maxTokens' failed to satisfy"
                + " constraint: Member must have value greater than or equal to 1"));
        assertTrue(refused(config().put("maxTokens", 4097)).contains("exceeds the model limit of 4096"));
    }

    @Test
    void stopSequencesHoldAtMostTheTablesItems() {
        BodyParameter p = cohere.inferenceShape().parameter("inferenceConfig.stopSequences");
        ObjectNode full = config();
        Collections.nCopies(p.maxItems(), "x".repeat(p.maxLength())).forEach(full.putArray("stopSequences")::add);
        assertEquals(p.maxItems(), cohere.decodeRequest(body(full)).stopSequences().size());
        ObjectNode tooMany = config();
        Collections.nCopies(p.maxItems() + 1, "x").forEach(tooMany.putArray("stopSequences")::add);
        assertTrue(refused(tooMany).contains("Member must have length less than or equal to " + p.maxItems()));
    }

    private static ObjectNode config() {
        return Json.MAPPER.createObjectNode();
    }

    private static byte[] body(ObjectNode inferenceConfig) {
        ObjectNode body = Json.MAPPER.createObjectNode();
        body.putArray("messages").addObject().put("role", "user").putArray("content").addObject().put("text", "Hi");
        if (!inferenceConfig.isEmpty()) {
            body.set("inferenceConfig", inferenceConfig);
        }
        return body.toString().getBytes(StandardCharsets.UTF_8);
    }

    private String refused(ObjectNode inferenceConfig) {
        return assertThrows(BedrockException.class, () -> cohere.decodeRequest(body(inferenceConfig))).getMessage();
    }
}
