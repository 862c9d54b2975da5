package dev.localbedrock.codecs.stability;

import com.fasterxml.jackson.databind.JsonNode;
import dev.localbedrock.codecs.BedrockErrorType;
import dev.localbedrock.codecs.BedrockException;
import dev.localbedrock.codecs.ImageFamilyCodec;
import dev.localbedrock.codecs.Json;
import dev.localbedrock.codecs.inference.ClipGuidancePreset;
import dev.localbedrock.codecs.inference.ImageArtifact;
import dev.localbedrock.codecs.inference.ImageFinishReason;
import dev.localbedrock.codecs.inference.ImageGenerationOutcome;
import dev.localbedrock.codecs.inference.ImageGenerationRequest;
import dev.localbedrock.codecs.inference.ImageSampler;
import dev.localbedrock.codecs.inference.ImageSize;
import dev.localbedrock.codecs.inference.WeightedPrompt;
import dev.localbedrock.codecs.parameters.BodyShapeJson;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The SDXL body as written by hand: prompts, sizes, the wire's oddities and the response. The parameter table's
 * ranges and enumerations are checked exhaustively in {@link StabilitySdxlShapeContractTest}.
 */
class StabilitySdxlCodecTest {

    private static final String PROMPT = "{\"text_prompts\":[{\"text\":\"a dog on a snowy mountain\"}]";

    private final ImageFamilyCodec codec = new StabilitySdxlCodec();

    // --- requests ---

    @Test
    void aBodyWithOnlyAPromptTakesEveryDefault() {
        ImageGenerationRequest request = decode(PROMPT + "}");
        assertEquals(List.of(new WeightedPrompt("a dog on a snowy mountain", 1)), request.prompts());
        assertEquals(List.of(), request.negativePrompts());
        assertEquals(10, request.cfgScale());
        assertEquals(30, request.steps());
        assertEquals(0, request.seed());
        assertTrue(request.randomSeed());
        assertEquals(new ImageSize(1024, 1024), request.size());
        assertNull(request.sampler());
        assertEquals(1, request.samples());
        assertNull(request.stylePreset());
        assertEquals(ClipGuidancePreset.NONE, request.clipGuidancePreset());
    }

    @Test
    void theGuidesExampleBody() {
        ImageGenerationRequest request = decode("{\"text_prompts\":[{\"text\": \"A photograph of an dog on the top of "
                + "a mountain covered in snow.\"}], \"cfg_scale\":10, \"seed\":20, \"steps\":50}");
        assertEquals("A photograph of an dog on the top of a mountain covered in snow.", request.prompts().get(0).text());
        assertEquals(20, request.seed());
        assertFalse(request.randomSeed());
        assertEquals(50, request.steps());
    }

    @Test
    void everyFieldAtOnce() {
        ImageGenerationRequest request = decode("{\"text_prompts\":[{\"text\":\"lighthouse\",\"weight\":0.8}],"
                + "\"height\":832,\"width\":1216,\"cfg_scale\":7.5,\"clip_guidance_preset\":\"FAST_BLUE\","
                + "\"sampler\":\"K_DPMPP_2M\",\"samples\":2,\"seed\":4294967295,\"steps\":40,"
                + "\"style_preset\":\"photographic\",\"extras\":{\"anything\":[1,2]}}");
        assertEquals(List.of(new WeightedPrompt("lighthouse", 0.8)), request.prompts());
        assertEquals(new ImageSize(1216, 832), request.size());
        assertEquals(7.5, request.cfgScale());
        assertEquals(ClipGuidancePreset.FAST_BLUE, request.clipGuidancePreset());
        assertEquals(ImageSampler.K_DPMPP_2M, request.sampler());
        assertEquals(2, request.samples());
        assertEquals(ImageGenerationRequest.MAX_SEED, request.seed());
        assertEquals(40, request.steps());
        assertEquals("photographic", request.stylePreset());
    }

    @Test
    void aNegativeWeightMakesANegativePromptOfThatMagnitudeAndOrderIsKept() {
        ImageGenerationRequest request = decode("{\"text_prompts\":[{\"text\":\"castle\"},"
                + "{\"text\":\"blurry\",\"weight\":-1},{\"text\":\"sunset\",\"weight\":0.5},"
                + "{\"text\":\"people\",\"weight\":-0.25},{\"text\":\"fog\",\"weight\":0},"
                + "{\"text\":\"rain\",\"weight\":-0.0}]}");
        assertEquals(List.of(new WeightedPrompt("castle", 1), new WeightedPrompt("sunset", 0.5),
                new WeightedPrompt("fog", 0), new WeightedPrompt("rain", 0)), request.prompts());
        assertEquals(List.of(new WeightedPrompt("blurry", 1), new WeightedPrompt("people", 0.25)),
                request.negativePrompts());
    }

    @Test
    void onlyNegativePromptsLeaveThePositiveSideEmpty() {
        ImageGenerationRequest request = decode("{\"text_prompts\":[{\"text\":\"noise\",\"weight\":-2}]}");
        assertEquals(List.of(), request.prompts());
        assertEquals(List.of(new WeightedPrompt("noise", 2)), request.negativePrompts());
    }

    @Test
    void aPromptTextMayBeEmptyAndUpTo2000Characters() {
        assertEquals("", decode("{\"text_prompts\":[{\"text\":\"\"}]}").prompts().get(0).text());
        String longest = "x".repeat(2000);
        assertEquals(longest, decode("{\"text_prompts\":[{\"text\":\"" + longest + "\"}]}").prompts().get(0).text());
        assertMalformed("{\"text_prompts\":[{\"text\":\"" + longest + "y\"}]}",
                "#/text_prompts/0/text: expected maxLength: 2000, actual: 2001");
    }

    @Test
    void aWeightIsAnyThirtyTwoBitFloat() {
        assertEquals(3.0e38, decode("{\"text_prompts\":[{\"text\":\"a\",\"weight\":3e38}]}").prompts().get(0).weight());
        String message = refused("{\"text_prompts\":[{\"text\":\"a\",\"weight\":1e39}]}");
        assertTrue(message.contains("#/text_prompts/0/weight: 1E+39 is not less or equal to "), message);
        message = refused("{\"text_prompts\":[{\"text\":\"a\",\"weight\":-1e39}]}");
        assertTrue(message.contains("#/text_prompts/0/weight: -1E+39 is not greater or equal to "), message);
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "{}                                          | #: required key [text_prompts] not found",
            "{\"text_prompts\":null}                     | #: required key [text_prompts] not found",
            "{\"text_prompts\":[]}                       | #/text_prompts: expected minimum item count: 1, found: 0",
            "{\"text_prompts\":\"a dog\"}                | #/text_prompts: expected type: JSONArray, found: String",
            "{\"text_prompts\":{\"text\":\"a\"}}         | #/text_prompts: expected type: JSONArray, found: JSONObject",
            "{\"text_prompts\":[\"a dog\"]}              | #/text_prompts/0: expected type: JSONObject, found: String",
            "{\"text_prompts\":[{\"weight\":1}]}         | #/text_prompts/0: required key [text] not found",
            "{\"text_prompts\":[{\"text\":null}]}        | #/text_prompts/0: required key [text] not found",
            "{\"text_prompts\":[{\"text\":5}]}           | #/text_prompts/0/text: expected type: String, found: Integer",
            "{\"text_prompts\":[{\"text\":\"a\",\"weight\":\"1\"}]} | #/text_prompts/0/weight: expected type: Number, found: String",
            "{\"text_prompts\":[{\"text\":\"a\",\"Weight\":1}]} | #/text_prompts/0: extraneous key [Weight] is not permitted",
            "{\"prompt\":\"a dog\"}                      | #: required key [text_prompts] not found",
    })
    void badPromptLists(String body, String violation) {
        assertTrue(refused(body).contains(violation), refused(body));
    }

    @Test
    void theSecondPromptIsNamedByItsIndex() {
        assertMalformed("{\"text_prompts\":[{\"text\":\"a\"},{\"text\":true}]}",
                "#/text_prompts/1/text: expected type: String, found: Boolean");
    }

    // --- sizes ---

    @Test
    void everySdxlSizeIsAcceptedAndNoOther() {
        List<Integer> sides = List.of(640, 768, 832, 896, 1024, 1152, 1216, 1344, 1536);
        int accepted = 0;
        for (int width : sides) {
            for (int height : sides) {
                String body = PROMPT + ",\"width\":" + width + ",\"height\":" + height + "}";
                ImageSize size = new ImageSize(width, height);
                if (codec.allowedSizes().contains(size)) {
                    assertEquals(size, decode(body).size());
                    accepted++;
                } else {
                    assertMalformed(body, "#/width: " + width + " is not an allowed width for height " + height
                            + " (allowed width x height: 1024x1024, 1152x896, 1216x832, 1344x768, 1536x640, "
                            + "640x1536, 768x1344, 832x1216, 896x1152)");
                }
            }
        }
        assertEquals(9, accepted);
        assertEquals(new ImageSize(1024, 1024), codec.allowedSizes().get(0));
    }

    @Test
    void aLoneSideIsPairedWith1024() {
        assertEquals(new ImageSize(1024, 1024), decode(PROMPT + ",\"width\":1024}").size());
        assertEquals(new ImageSize(1024, 1024), decode(PROMPT + ",\"height\":1024}").size());
        String message = refused(PROMPT + ",\"width\":1152}");
        assertTrue(message.contains("#/width: 1152 is not an allowed width for height 1024"), message);
        message = refused(PROMPT + ",\"height\":896}");
        assertTrue(message.contains("#/height: 896 is not an allowed height for width 1024"), message);
    }

    @Test
    void aSideRefusedOnItsOwnIsNotAlsoBlamedForThePair() {
        assertMalformed(PROMPT + ",\"width\":2048,\"height\":896}",
                "#/width: 2048 is not less or equal to 1536 (allowed range: 640 to 1536)");
        assertMalformed(PROMPT + ",\"width\":\"1024\"}",
                "#/width: expected type: Integer, found: String (allowed range: 640 to 1536)");
    }

    @Test
    void aSideOffTheSixtyFourPixelGridIsRefused() {
        String message = refused(PROMPT + ",\"width\":1000,\"height\":1000}");
        assertTrue(message.contains("#/width: 1000 is not an allowed width for height 1000"), message);
    }

    // --- types, keys, JSON ---

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "\"cfg_scale\":\"7\"     | #/cfg_scale: expected type: Number, found: String (allowed range: 0 to 30)",
            "\"steps\":30.5          | #/steps: expected type: Integer, found: Double (allowed range: 10 to 150)",
            "\"steps\":true          | #/steps: expected type: Integer, found: Boolean (allowed range: 10 to 150)",
            "\"seed\":\"20\"         | #/seed: expected type: Integer, found: String (allowed range: 0 to 4294967295)",
            "\"seed\":1.5            | #/seed: expected type: Integer, found: Double (allowed range: 0 to 4294967295)",
            "\"samples\":[1]         | #/samples: expected type: Integer, found: JSONArray (allowed range: 1 to 10)",
            "\"sampler\":7           | #/sampler: expected type: String, found: Integer (allowed values: DDIM,",
            "\"style_preset\":{}     | #/style_preset: expected type: String, found: JSONObject (allowed values: 3d-model,",
            "\"extras\":\"fast\"     | #/extras: expected type: JSONObject, found: String",
            "\"extras\":[]           | #/extras: expected type: JSONObject, found: JSONArray",
    })
    void wrongTypesNameTheFieldAndWhatItTakes(String field, String violation) {
        String message = refused(PROMPT + "," + field + "}");
        assertTrue(message.contains(violation), message);
    }

    @Test
    void integralDecimalsAndNullsAreAccepted() {
        ImageGenerationRequest request = decode(PROMPT + ",\"steps\":40.0,\"seed\":4294967295.0,\"samples\":null,"
                + "\"sampler\":null,\"extras\":null,\"cfg_scale\":null}");
        assertEquals(40, request.steps());
        assertEquals(ImageGenerationRequest.MAX_SEED, request.seed());
        assertEquals(1, request.samples());
        assertNull(request.sampler());
        assertEquals(10, request.cfgScale());
    }

    @Test
    void aSeedPastThirtyTwoBitsIsRefused() {
        assertMalformed(PROMPT + ",\"seed\":4294967296}",
                "#/seed: 4294967296 is not less or equal to 4294967295 (allowed range: 0 to 4294967295)");
        assertMalformed(PROMPT + ",\"seed\":-1}",
                "#/seed: -1 is not greater or equal to 0 (allowed range: 0 to 4294967295)");
        assertMalformed(PROMPT + ",\"seed\":1e30}",
                "#/seed: 1E+30 is not less or equal to 4294967295 (allowed range: 0 to 4294967295)");
    }

    @ParameterizedTest
    @ValueSource(strings = {"init_image", "image_strength", "init_image_mode", "mask_source", "Seed", "guide"})
    void unknownKeysAreRefusedAsEveryFamilyDoes(String key) {
        assertMalformed(PROMPT + ",\"" + key + "\":1}", "#: extraneous key [" + key + "] is not permitted");
    }

    @Test
    void everyViolationIsReportedAtOnce() {
        String message = refused("{\"text_prompts\":[],\"cfg_scale\":31,\"sampler\":\"euler\",\"colour\":1}");
        assertTrue(message.contains("#: 4 schema violations found ("), message);
        assertTrue(message.contains("#/text_prompts: expected minimum item count: 1"), message);
        assertTrue(message.contains("#/cfg_scale: 31 is not less or equal to 30"), message);
        assertTrue(message.contains("#/sampler: euler is not a valid enum value"), message);
        assertTrue(message.contains("#: extraneous key [colour] is not permitted"), message);
    }

    @ParameterizedTest
    @ValueSource(strings = {"", " ", "[]", "\"text\"", "{\"text_prompts\":[{\"text\":\"a\"}]", "{text_prompts:1}",
            "{\"text_prompts\":[{\"text\":\"a\"}]} {}", "{\"seed\":1,\"seed\":2,\"text_prompts\":[]}"})
    void malformedBodiesAreAValidationException(String body) {
        BedrockException e = assertThrows(BedrockException.class, () -> decode(body));
        assertEquals(BedrockErrorType.VALIDATION, e.type());
        assertTrue(e.getMessage().startsWith("Malformed input request: "), e.getMessage());
    }

    @Test
    void theMessageReadsLikeBedrocks() {
        BedrockException e = assertThrows(BedrockException.class, () -> decode(PROMPT + ",\"steps\":5}"));
        assertEquals(400, e.type().httpStatus());
        assertEquals("Malformed input request: #/steps: 5 is not greater or equal to 10 (allowed range: 10 to 150), "
                + "please reformat your input and try again.", e.getMessage());
    }

    // --- the family ---

    @Test
    void theFamilyDoesNotStreamAndSaysSoInBedrocksWords() {
        assertEquals("stability-sdxl", codec.family());
        assertFalse(codec.streams());
        assertEquals("The model is unsupported for streaming.", ImageFamilyCodec.NOT_STREAMING);
        assertEquals("text_prompts", codec.promptsPath());
    }

    @Test
    void theShapeWritesAsJsonWithTheSeedRangeWhole() throws IOException {
        JsonNode shape = Json.MAPPER.readTree(BodyShapeJson.write(codec.bodyShape()));
        assertTrue(shape.get("promptPath").isNull());
        JsonNode seed = null;
        for (JsonNode parameter : shape.get("parameters")) {
            if (parameter.get("path").asText().equals("seed")) {
                seed = parameter;
            }
        }
        assertEquals(4294967295L, seed.get("max").longValue());
        assertEquals(0, seed.get("default").intValue());
        assertEquals("integer", seed.get("kind").asText());
    }

    // --- responses ---

    @Test
    void theResponseCarriesEachArtifactsSeedImageAndReason() throws IOException {
        Random random = new Random(21);
        byte[] first = new byte[1000];
        byte[] second = new byte[1];
        random.nextBytes(first);
        random.nextBytes(second);
        ImageGenerationOutcome outcome = new ImageGenerationOutcome(List.of(
                new ImageArtifact(ImageGenerationRequest.MAX_SEED, first, ImageFinishReason.SUCCESS),
                new ImageArtifact(7, second, ImageFinishReason.CONTENT_FILTERED),
                new ImageArtifact(8, new byte[0], ImageFinishReason.ERROR)));
        JsonNode response = Json.MAPPER.readTree(codec.encodeResponse(outcome));

        assertEquals(List.of("result", "artifacts"), fieldNames(response));
        assertEquals("success", response.get("result").asText());
        JsonNode artifacts = response.get("artifacts");
        assertEquals(3, artifacts.size());
        assertEquals(List.of("seed", "base64", "finishReason"), fieldNames(artifacts.get(0)));
        assertEquals(4294967295L, artifacts.get(0).get("seed").longValue());
        assertArrayEquals(first, Base64.getDecoder().decode(artifacts.get(0).get("base64").asText()));
        assertEquals("SUCCESS", artifacts.get(0).get("finishReason").asText());
        assertEquals(7, artifacts.get(1).get("seed").intValue());
        assertEquals(Base64.getEncoder().encodeToString(second), artifacts.get(1).get("base64").asText());
        assertEquals("CONTENT_FILTERED", artifacts.get(1).get("finishReason").asText());
        assertEquals("", artifacts.get(2).get("base64").asText());
        assertEquals("ERROR", artifacts.get(2).get("finishReason").asText());
    }

    @Test
    void theBase64IsStandardWithPaddingOnOneLine() {
        byte[] png = new byte[200];
        new Random(5).nextBytes(png);
        String json = new String(codec.encodeResponse(new ImageGenerationOutcome(List.of(
                new ImageArtifact(1, png, ImageFinishReason.SUCCESS)))), StandardCharsets.UTF_8);
        String expected = Base64.getEncoder().encodeToString(png);
        assertTrue(expected.endsWith("=") && (expected.contains("+") || expected.contains("/")), expected);
        assertTrue(json.contains("\"base64\":\"" + expected + "\""), json);
        assertFalse(json.contains("\\n"), json);
    }

    // --- helpers ---

    private ImageGenerationRequest decode(String body) {
        return codec.decodeRequest(body.getBytes(StandardCharsets.UTF_8));
    }

    private String refused(String body) {
        BedrockException e = assertThrows(BedrockException.class, () -> decode(body));
        assertEquals(BedrockErrorType.VALIDATION, e.type());
        return e.getMessage();
    }

    /** The body is refused with exactly this one violation. */
    private void assertMalformed(String body, String violation) {
        assertEquals("Malformed input request: " + violation + ", please reformat your input and try again.",
                refused(body));
    }

    private static List<String> fieldNames(JsonNode node) {
        List<String> names = new ArrayList<>();
        node.fieldNames().forEachRemaining(names::add);
        return names;
    }
}
