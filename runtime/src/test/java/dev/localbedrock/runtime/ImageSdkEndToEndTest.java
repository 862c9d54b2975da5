package dev.localbedrock.runtime;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.localbedrock.runtime.catalog.CatalogLoader;
import dev.localbedrock.runtime.generation.WorkerHooks;
import dev.localbedrock.runtime.imaging.FakeDiffusionModel;
import dev.localbedrock.runtime.metrics.PrometheusText;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.services.bedrock.BedrockClient;
import software.amazon.awssdk.services.bedrock.model.FoundationModelSummary;
import software.amazon.awssdk.services.bedrockruntime.BedrockRuntimeAsyncClient;
import software.amazon.awssdk.services.bedrockruntime.BedrockRuntimeClient;
import software.amazon.awssdk.services.bedrockruntime.model.InvokeModelResponse;
import software.amazon.awssdk.services.bedrockruntime.model.InvokeModelWithResponseStreamRequest;
import software.amazon.awssdk.services.bedrockruntime.model.InvokeModelWithResponseStreamResponseHandler;
import software.amazon.awssdk.services.bedrockruntime.model.ValidationException;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Stable Diffusion XL ({@code stability.stable-diffusion-xl-v1}, alias {@code -v0}) through the HTTP server and the
 * unchanged AWS SDK: the catalogue entry, the image invoker and responder, the scheduler thread, PNG encoding, the
 * streaming refusal, validation, metrics and the foundation-model listing. The pipeline is a fake of plain arithmetic
 * (the ONNX one is the engines' to test), so the test is about everything around it.
 */
class ImageSdkEndToEndTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String ID = "stability.stable-diffusion-xl-v1";
    private static final String ALIAS = "stability.stable-diffusion-xl-v0";

    @TempDir
    static Path workDir;
    static BedrockService service;
    static BedrockRuntimeClient sync;
    static BedrockRuntimeAsyncClient async;
    static BedrockClient controlPlane;
    static final List<String> loadedFrom = new java.util.concurrent.CopyOnWriteArrayList<>();

    @BeforeAll
    static void start() throws Exception {
        Path export = Files.createDirectories(workDir.resolve("sdxl-onnx/unet"));
        Files.writeString(export.resolveSibling("model_index.json"), "{}");
        Files.write(export.resolve("model.onnx"), new byte[0]);
        Path yaml = workDir.resolve("models.yaml");
        Files.writeString(yaml, """
                server:
                  host: 127.0.0.1
                  port: 0
                models:
                  - id: %s
                    aliases: [%s]
                    source: sdxl-onnx
                    engine: onnxruntime
                    max_rows_per_step: 4
                """.formatted(ID, ALIAS));
        service = BedrockService.start(CatalogLoader.load(yaml), entry -> WorkerHooks.defaults(),
                (dir, device) -> {
                    loadedFrom.add(dir.getFileName() + "@" + device);
                    return new FakeDiffusionModel();
                });
        sync = TestServers.syncClient(service);
        async = TestServers.asyncClient(service);
        controlPlane = TestServers.controlPlaneClient(service);
    }

    @AfterAll
    static void stop() throws Exception {
        TestServers.closeAll(sync, async, controlPlane, service);
    }

    private static InvokeModelResponse invoke(String modelId, String body) {
        return sync.invokeModel(r -> r.modelId(modelId).contentType("application/json").accept("application/json")
                .body(SdkBytes.fromUtf8String(body)));
    }

    private static final String BODY = "{\"text_prompts\":[{\"text\":\"a lighthouse at dusk\"},"
            + "{\"text\":\"blurry\",\"weight\":-1}],\"cfg_scale\":7,\"steps\":10,\"seed\":42,"
            + "\"width\":1152,\"height\":896,\"samples\":2}";

    @Test
    void invokeModelAnswersStabilityJsonWithPngsOfTheRequestedSize() throws Exception {
        InvokeModelResponse response = invoke(ID, BODY);
        assertEquals("application/json", response.contentType());
        JsonNode json = JSON.readTree(response.body().asUtf8String());
        assertEquals("success", json.get("result").asText());
        assertEquals(2, json.get("artifacts").size());
        for (int i = 0; i < 2; i++) {
            JsonNode artifact = json.get("artifacts").get(i);
            assertEquals(42 + i, artifact.get("seed").asLong());
            assertEquals("SUCCESS", artifact.get("finishReason").asText());
            byte[] png = Base64.getDecoder().decode(artifact.get("base64").asText());
            assertArrayEquals(new byte[]{(byte) 0x89, 'P', 'N', 'G'}, java.util.Arrays.copyOf(png, 4));
            BufferedImage image = ImageIO.read(new ByteArrayInputStream(png));
            assertEquals(1152, image.getWidth());
            assertEquals(896, image.getHeight());
        }
        var http = response.sdkHttpResponse();
        assertTrue(Long.parseLong(http.firstMatchingHeader("X-Amzn-Bedrock-Invocation-Latency").orElseThrow()) >= 0);
        assertFalse(http.firstMatchingHeader("X-Amzn-Bedrock-Input-Token-Count").isPresent(), "no tokens");
        assertEquals(List.of("sdxl-onnx@cpu"), loadedFrom, "the alias shares the one loaded pipeline");
    }

    @Test
    void theAliasGivesTheSameImageForTheSameSeed() throws Exception {
        String a = JSON.readTree(invoke(ID, BODY).body().asUtf8String()).get("artifacts").get(1).get("base64")
                .asText();
        String b = JSON.readTree(invoke(ALIAS, BODY).body().asUtf8String()).get("artifacts").get(1).get("base64")
                .asText();
        assertEquals(a, b);
    }

    @Test
    void streamingIsRefusedAsBedrockRefusesIt() {
        AtomicInteger events = new AtomicInteger();
        var future = async.invokeModelWithResponseStream(InvokeModelWithResponseStreamRequest.builder()
                        .modelId(ID).body(SdkBytes.fromUtf8String(BODY)).build(),
                InvokeModelWithResponseStreamResponseHandler.builder()
                        .subscriber(InvokeModelWithResponseStreamResponseHandler.Visitor.builder()
                                .onDefault(event -> events.incrementAndGet()).build()).build());
        ExecutionException e = assertThrows(ExecutionException.class, () -> future.get(30, TimeUnit.SECONDS));
        ValidationException cause = assertInstanceOf(ValidationException.class, e.getCause());
        assertEquals(400, cause.statusCode());
        assertEquals("The model is unsupported for streaming.", cause.awsErrorDetails().errorMessage());
        assertEquals(0, events.get());
    }

    @Test
    void aBadFieldIsAValidationExceptionNamingIt() {
        ValidationException steps = assertThrows(ValidationException.class,
                () -> invoke(ID, "{\"text_prompts\":[{\"text\":\"a cat\"}],\"steps\":5}"));
        assertEquals(400, steps.statusCode());
        assertTrue(steps.awsErrorDetails().errorMessage().contains("steps"), steps.awsErrorDetails().errorMessage());
        ValidationException sampler = assertThrows(ValidationException.class,
                () -> invoke(ID, "{\"text_prompts\":[{\"text\":\"a cat\"}],\"steps\":10,\"sampler\":\"K_LMS\"}"));
        assertTrue(sampler.awsErrorDetails().errorMessage().contains("K_EULER"),
                sampler.awsErrorDetails().errorMessage());
    }

    @Test
    void anUnsupportedAcceptIsRefused() throws Exception {
        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        URI uri = URI.create("http://127.0.0.1:" + service.address().getPort() + "/model/" + ID + "/invoke");
        HttpResponse<String> response = http.send(HttpRequest.newBuilder(uri)
                .header("Content-Type", "application/json").header("Accept", "image/png")
                .POST(HttpRequest.BodyPublishers.ofString(BODY)).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(400, response.statusCode());
        assertEquals("ValidationException", response.headers().firstValue("x-amzn-ErrorType").orElseThrow());
    }

    @Test
    void foundationModelsListTheImageModelsAsImageOutputWithoutStreaming() {
        List<FoundationModelSummary> images = controlPlane.listFoundationModels(r -> r.byOutputModality("IMAGE"))
                .modelSummaries();
        assertEquals(List.of(ID, ALIAS), images.stream().map(FoundationModelSummary::modelId).toList());
        for (FoundationModelSummary m : images) {
            assertEquals(List.of("TEXT"), m.inputModalitiesAsStrings());
            assertFalse(m.responseStreamingSupported());
            assertEquals("Stability AI", m.providerName());
        }
    }

    @Test
    void outputImageCountCountsEachImage() throws Exception {
        double before = metric("bedrock_output_images_total");
        invoke(ID, BODY);
        // The call is counted once its response has been written, which may be just after the client has read it.
        double after = metric("bedrock_output_images_total");
        for (long deadline = System.nanoTime() + 10_000_000_000L; after < before + 2 && System.nanoTime() < deadline; ) {
            Thread.sleep(20);
            after = metric("bedrock_output_images_total");
        }
        assertEquals(before + 2, after);
    }

    private static double metric(String name) throws Exception {
        URI uri = URI.create("http://127.0.0.1:" + service.address().getPort() + "/metrics");
        String text = HttpClient.newHttpClient().send(HttpRequest.newBuilder(uri).build(),
                HttpResponse.BodyHandlers.ofString()).body();
        Map<String, Double> samples = PrometheusText.parse(text);
        Double value = samples.get(name + "{model_id=\"" + ID + "\"}");
        assertTrue(value != null, name + " not on /metrics: " + samples.keySet());
        return value;
    }
}
