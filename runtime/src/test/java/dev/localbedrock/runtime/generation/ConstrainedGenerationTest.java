package dev.localbedrock.runtime.generation;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SpecVersion;
import com.networknt.schema.ValidationMessage;
import dev.localbedrock.codecs.inference.Generation;
import dev.localbedrock.codecs.inference.GenerationOutcome;
import dev.localbedrock.codecs.inference.InferenceFailure;
import dev.localbedrock.codecs.inference.LikelihoodMode;
import dev.localbedrock.codecs.inference.OutputConstraint;
import dev.localbedrock.codecs.inference.SamplingParameters;
import dev.localbedrock.codecs.inference.StopReason;
import dev.localbedrock.codecs.inference.TextGenerationRequest;
import dev.localbedrock.engines.DecoderModel;
import dev.localbedrock.engines.DecoderModels;
import dev.localbedrock.engines.EngineKind;
import dev.localbedrock.engines.EngineOptions;
import dev.localbedrock.runtime.TestServers;
import dev.localbedrock.runtime.generation.SchedulerFixture.ManualClock;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import static dev.localbedrock.runtime.generation.SchedulerFixture.runUntilIdle;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Constrained decoding end to end on random weights (tiny-random-llama through the real scheduler, batched, N
 * generations per request, greedy and random sampling): every output is exactly one JSON value that an independent
 * validator accepts against its schema. Random weights are the hard case: nothing but the mask makes them emit JSON.
 */
class ConstrainedGenerationTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final com.fasterxml.jackson.databind.ObjectReader STRICT = JSON.reader()
            .with(com.fasterxml.jackson.databind.DeserializationFeature.FAIL_ON_TRAILING_TOKENS);
    private static final JsonSchemaFactory VALIDATORS = JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V202012);

    /** Ten schemas: nested objects, enums, arrays, numbers, required fields, anyOf, recursion, any value. */
    private static final List<String> SCHEMAS = List.of(
            """
            {"type":"object","properties":{"name":{"type":"string"},"age":{"type":"integer"}},
             "required":["name","age"]}""",
            """
            {"type":"object","properties":{"user":{"type":"object","properties":{"id":{"type":"integer"},
             "email":{"type":"string","maxLength":12}},"required":["id"]},"active":{"type":"boolean"}},
             "required":["user"]}""",
            """
            {"type":"object","properties":{"unit":{"enum":["celsius","fahrenheit"]},
             "city":{"type":"string","minLength":1,"maxLength":10}},"required":["unit","city"]}""",
            """
            {"type":"array","items":{"type":"number"},"minItems":1,"maxItems":4}""",
            """
            {"type":"object","properties":{"tags":{"type":"array","items":{"type":"string","maxLength":6},
             "maxItems":3},"score":{"type":"number"}},"required":["tags","score"]}""",
            """
            {"anyOf":[{"type":"integer"},{"type":"object","properties":{"x":{"type":"null"}},"required":["x"]},
             {"const":"none"}]}""",
            """
            {"enum":[1,"two",[3],{"four":4},null,true]}""",
            """
            {"type":"object","properties":{"a":{"type":["string","null"],"maxLength":4},
             "b":{"type":["integer","boolean"]}},"required":["a","b"]}""",
            """
            {"$defs":{"node":{"type":"object","properties":{"value":{"type":"integer"},
             "children":{"type":"array","items":{"$ref":"#/$defs/node"},"maxItems":2}},"required":["value"]}},
             "$ref":"#/$defs/node"}""",
            "{}");

    private static DecoderModel model;

    @BeforeAll
    static void load() {
        model = DecoderModels.load(TestServers.tinyLlama(), EngineKind.PYTORCH, "cpu",
                new EngineOptions(256, 0, 128 * 64));
    }

    @AfterAll
    static void close() {
        model.close();
    }

    private static ModelScheduler scheduler() {
        WorkerSettings settings = new WorkerSettings(256, 64, Duration.ofMinutes(5), null, 100, 1024, 1 << 20,
                Duration.ofMinutes(5));
        return SchedulerFixture.scheduler(model, settings, AdmissionPolicy.FIFO, SchedulerMetrics.NONE,
                new ManualClock());
    }

    /** 10 schemas × 100 generations (10 requests of 10 each, varied sampling), all valid JSON for their schema. */
    @Test
    void aThousandRandomWeightGenerationsAllValidate() throws IOException {
        ModelScheduler s = scheduler();
        int checked = 0;
        for (int k = 0; k < SCHEMAS.size(); k++) {
            JsonNode schema = JSON.readTree(SCHEMAS.get(k));
            List<RecordingListener> listeners = new ArrayList<>();
            for (int r = 0; r < 10; r++) {
                SamplingParameters sampling = switch (r % 3) {
                    case 0 -> new SamplingParameters(1.0f, 1.0f, 0, 1000L * k + r);
                    case 1 -> new SamplingParameters(0.7f, 0.9f, 40, 1000L * k + r);
                    default -> new SamplingParameters(1.5f, 1.0f, 0, 1000L * k + r);
                };
                TextGenerationRequest request = new TextGenerationRequest("Answer in JSON " + r + ":", 40, sampling,
                        List.of(), 10, LikelihoodMode.NONE).constrained(new OutputConstraint(schema));
                RecordingListener l = new RecordingListener();
                s.submit(request, l, null);
                listeners.add(l);
            }
            RecordingListener greedy = new RecordingListener();
            s.submit(new TextGenerationRequest("Answer in JSON:", 40, SamplingParameters.greedy(), List.of())
                    .constrained(new OutputConstraint(schema)), greedy, null);
            runUntilIdle(s);
            for (RecordingListener l : listeners) {
                checked += assertAllValid(schema, l.result());
            }
            assertAllValid(schema, greedy.result());
        }
        assertEquals(1000, checked);
        assertEquals(0, s.kvReservedTokens());
    }

    /** The shape the chat runtime uses for tool calls: one of the tools, by name, with arguments for that tool. */
    @Test
    void toolCallShapeValidates() throws IOException {
        JsonNode schema = JSON.readTree("""
                {"anyOf":[
                  {"type":"object","properties":{"name":{"const":"get_weather"},
                   "arguments":{"type":"object","properties":{"city":{"type":"string","maxLength":20},
                    "unit":{"enum":["celsius","fahrenheit"]}},"required":["city"]}},"required":["name","arguments"]},
                  {"type":"object","properties":{"name":{"const":"get_time"},
                   "arguments":{"type":"object","properties":{"zone":{"type":"string"}},"required":["zone"]}},
                   "required":["name","arguments"]}]}""");
        ModelScheduler s = scheduler();
        List<RecordingListener> listeners = new ArrayList<>();
        for (int r = 0; r < 5; r++) {
            RecordingListener l = new RecordingListener();
            s.submit(new TextGenerationRequest("Call a tool:", 60, new SamplingParameters(1.0f, 1.0f, 0, (long) r),
                    List.of(), 10, LikelihoodMode.NONE).constrained(new OutputConstraint(schema)), l, null);
            listeners.add(l);
        }
        runUntilIdle(s);
        Set<String> names = new HashSet<>();
        for (RecordingListener l : listeners) {
            assertAllValid(schema, l.result());
            for (Generation g : l.result().generations()) {
                names.add(JSON.readTree(g.text()).get("name").asText());
            }
        }
        assertEquals(Set.of("get_weather", "get_time"), names, "both tools are reachable");
    }

    /** Too few tokens for even the shortest value: cut at the limit, reported as such, a valid prefix so far. */
    @Test
    void aLimitBelowTheShortestValueEndsAtMaxTokensIncomplete() {
        ModelScheduler s = scheduler();
        RecordingListener l = new RecordingListener();
        s.submit(new TextGenerationRequest("x", 3, new SamplingParameters(1.0f, 1.0f, 0, 5L), List.of())
                .constrained(new OutputConstraint(JSON.createObjectNode().put("const", "a long constant"))), l, null);
        runUntilIdle(s);
        Generation g = l.result().generations().get(0);
        assertEquals(StopReason.MAX_TOKENS, g.stopReason());
        assertEquals(3, g.tokenIds().length);
        assertTrue("\"a long constant\"".startsWith(g.text()) && !g.text().isEmpty(), g.text());
    }

    @Test
    void anUnsupportedSchemaIsRefusedAtSubmitNamingTheKeyword() throws IOException {
        ModelScheduler s = scheduler();
        JsonNode schema = JSON.readTree("{\"type\":\"string\",\"pattern\":\"^[a-z]+$\"}");
        InferenceFailure e = assertThrows(InferenceFailure.class, () -> s.submit(new TextGenerationRequest("x", 8,
                SamplingParameters.greedy(), List.of()).constrained(new OutputConstraint(schema)),
                new RecordingListener(), null));
        assertEquals(InferenceFailure.Kind.INVALID_REQUEST, e.kind());
        assertTrue(e.getMessage().contains("'pattern'"), e.getMessage());
        assertEquals(0, s.kvReservedTokens());
    }

    /** Checks each generation; returns how many. */
    private static int assertAllValid(JsonNode schemaNode, GenerationOutcome outcome) throws IOException {
        JsonSchema schema = VALIDATORS.getSchema(schemaNode);
        for (Generation g : outcome.generations()) {
            assertEquals(StopReason.END_OF_SEQUENCE, g.stopReason(), "finished inside the budget: " + g.text());
            JsonNode value = STRICT.readTree(g.text()); // exactly one value: trailing text fails
            assertEquals(g.text().strip(), g.text(), "no surrounding whitespace");
            Set<ValidationMessage> errors = schema.validate(value);
            assertTrue(errors.isEmpty(), g.text() + " against " + schemaNode + ": " + errors);
        }
        return outcome.generations().size();
    }
}
