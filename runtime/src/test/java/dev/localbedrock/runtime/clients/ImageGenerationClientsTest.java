package dev.localbedrock.runtime.clients;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.langchain4j.data.message.AiMessage;
import dev.langchain4j.model.bedrock.BedrockStabilityAIChatModel;
import dev.langchain4j.model.output.FinishReason;
import dev.langchain4j.model.output.Response;
import dev.localbedrock.runtime.BedrockService;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.services.bedrockruntime.model.InvokeModelResponse;
import software.amazon.awssdk.services.bedrockruntime.model.ValidationException;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Image generation through the real AWS SDK for Java v2 and LangChain4j's Bedrock Stability class, against the
 * served random-weight SDXL test pipeline: the artifacts must be PNGs of the requested size that ImageIO decodes, the
 * same seed must give the same bytes and another seed others, and {@code samples} must give that many images.
 */
class ImageGenerationClientsTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String MODEL = ServedFamily.STABILITY_SDXL.modelId;

    @TempDir
    static Path workDir;
    static BedrockService service;
    static RecordingClients clients;

    @BeforeAll
    static void start() throws Exception {
        service = ClientTestServer.start(workDir);
        clients = new RecordingClients(service);
    }

    @AfterAll
    static void stop() {
        if (clients != null) {
            clients.close();
        }
        if (service != null) {
            service.close();
        }
    }

    /** A few steps: the pipeline is random-weight, so more steps would only cost time. */
    private static ObjectNode body(long seed, int width, int height, int samples) {
        ObjectNode body = JSON.createObjectNode();
        body.putArray("text_prompts").addObject().put("text", "a lighthouse on a cliff at dawn");
        body.put("cfg_scale", 7).put("steps", 10).put("seed", seed).put("width", width).put("height", height)
                .put("samples", samples);
        return body;
    }

    private static JsonNode invoke(ObjectNode body) throws Exception {
        InvokeModelResponse response = clients.plain.invokeModel(r -> r.modelId(MODEL)
                .contentType("application/json").accept("application/json")
                .body(SdkBytes.fromUtf8String(body.toString())));
        assertEquals("application/json", response.contentType());
        JsonNode json = JSON.readTree(response.body().asUtf8String());
        assertEquals("success", json.path("result").asText(), json.toString());
        return json;
    }

    private static List<byte[]> pngs(JsonNode response) {
        List<byte[]> out = new ArrayList<>();
        for (JsonNode artifact : response.path("artifacts")) {
            assertEquals("SUCCESS", artifact.path("finishReason").asText());
            out.add(Base64.getDecoder().decode(artifact.path("base64").asText()));
        }
        return out;
    }

    private static BufferedImage decode(byte[] png) throws Exception {
        BufferedImage image = ImageIO.read(new ByteArrayInputStream(png));
        assertNotNull(image, "ImageIO cannot read the artifact as an image");
        return image;
    }

    @Test
    void sdkGetsAPngOfTheRequestedSize() throws Exception {
        JsonNode response = invoke(body(42, 1216, 832, 1));
        List<byte[]> images = pngs(response);
        assertEquals(1, images.size());
        assertEquals(42, response.path("artifacts").get(0).path("seed").asLong());
        byte[] png = images.get(0);
        assertArrayEquals(new byte[] {(byte) 0x89, 'P', 'N', 'G'}, Arrays.copyOf(png, 4));
        BufferedImage image = decode(png);
        assertEquals(1216, image.getWidth());
        assertEquals(832, image.getHeight());
    }

    @Test
    void sameSeedSameBytesOtherSeedOtherBytes() throws Exception {
        byte[] first = pngs(invoke(body(7, 1024, 1024, 1))).get(0);
        byte[] again = pngs(invoke(body(7, 1024, 1024, 1))).get(0);
        byte[] other = pngs(invoke(body(8, 1024, 1024, 1))).get(0);
        assertArrayEquals(first, again, "the same seed and parameters gave different bytes");
        assertFalse(Arrays.equals(first, other), "another seed gave the same bytes");
    }

    @Test
    void twoSamplesAreTwoImagesWithConsecutiveSeeds() throws Exception {
        JsonNode response = invoke(body(100, 1024, 1024, 2));
        List<byte[]> images = pngs(response);
        assertEquals(2, images.size());
        assertEquals(100, response.path("artifacts").get(0).path("seed").asLong());
        assertEquals(101, response.path("artifacts").get(1).path("seed").asLong());
        assertFalse(Arrays.equals(images.get(0), images.get(1)));
        // The second sample is the image a one-sample request with its seed gives.
        assertArrayEquals(images.get(1), pngs(invoke(body(101, 1024, 1024, 1))).get(0));
        for (byte[] png : images) {
            assertEquals(1024, decode(png).getWidth());
        }
    }

    @Test
    void seedZeroIsAnsweredWithTheSeedPicked() throws Exception {
        JsonNode response = invoke(body(0, 1024, 1024, 1));
        long seed = response.path("artifacts").get(0).path("seed").asLong();
        assertTrue(seed > 0, "seed " + seed);
        assertArrayEquals(pngs(response).get(0), pngs(invoke(body(seed, 1024, 1024, 1))).get(0),
                "the echoed seed does not reproduce the image");
    }

    @Test
    void badFieldIsAValidationExceptionNamingIt() {
        ObjectNode body = body(1, 1000, 1000, 1);
        ValidationException e = assertThrows(ValidationException.class, () -> invoke(body));
        assertEquals(400, e.statusCode());
        assertTrue(e.getMessage().contains("height") || e.getMessage().contains("width"), e.getMessage());
    }

    /**
     * LangChain4j's class, given only a client with an endpoint override: its body (one weighted prompt, cfg_scale,
     * seed, steps, size, style preset) is accepted, and the text it returns is the first artifact's base64, exactly
     * as the server answered that same body.
     */
    @Test
    void langChain4jStabilityModel() throws Exception {
        clients.clear();
        BedrockStabilityAIChatModel model = BedrockStabilityAIChatModel.builder().client(clients.sync)
                .model(MODEL).width(1024).height(1024).steps(10).seed(5).cfgScale(7).build();
        Response<AiMessage> answer = model.generate(List.of(dev.langchain4j.data.message.UserMessage.from(
                "a red bicycle")));
        assertEquals(FinishReason.STOP, answer.finishReason());
        byte[] png = Base64.getDecoder().decode(answer.content().text());
        BufferedImage image = decode(png);
        assertEquals(1024, image.getWidth());
        assertEquals(1024, image.getHeight());
        List<String> sent = clients.bodies();
        assertEquals(1, sent.size());
        JsonNode direct = JSON.readTree(clients.invokeDirectly(MODEL, sent.get(0)));
        assertEquals(direct.path("artifacts").get(0).path("base64").asText(), answer.content().text());
        assertNotEquals("", JSON.readTree(sent.get(0)).path("style_preset").asText(""),
                "LangChain4j sends a style preset by default; the server must accept it");
    }
}
