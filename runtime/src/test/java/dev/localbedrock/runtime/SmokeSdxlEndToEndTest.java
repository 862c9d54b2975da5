package dev.localbedrock.runtime;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.localbedrock.runtime.catalog.CatalogLoader;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.services.bedrockruntime.BedrockRuntimeClient;
import software.amazon.awssdk.services.bedrockruntime.model.ValidationException;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The default catalogue's image entry as a fresh machine serves it: {@code generated:smoke-sdxl} written on first
 * start, loaded on ONNX Runtime, and invoked through the SDK with the fewest steps Stability allows.
 */
class SmokeSdxlEndToEndTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String ID = "stability.stable-diffusion-xl-v1";

    @TempDir
    static Path workDir;
    static BedrockService service;
    static BedrockRuntimeClient sync;

    @BeforeAll
    static void start() throws Exception {
        Path yaml = workDir.resolve("models.yaml");
        Files.writeString(yaml, """
                server:
                  host: 127.0.0.1
                  port: 0
                cache_dir: cache
                models:
                  - id: %s
                    aliases: [stability.stable-diffusion-xl-v0]
                    source: generated:smoke-sdxl
                    engine: onnxruntime
                """.formatted(ID));
        service = BedrockService.start(CatalogLoader.load(yaml));
        sync = TestServers.syncClient(service);
    }

    @AfterAll
    static void stop() throws Exception {
        TestServers.closeAll(sync, service);
    }

    @Test
    void aFreshStartServesSdxlWithPngsOfTheRequestedSize() throws Exception {
        String body = "{\"text_prompts\":[{\"text\":\"a lighthouse\"}],\"steps\":10,\"seed\":7,"
                + "\"width\":640,\"height\":1536}";
        JsonNode json = JSON.readTree(sync.invokeModel(r -> r.modelId(ID).contentType("application/json")
                .body(SdkBytes.fromUtf8String(body))).body().asUtf8String());
        assertEquals("success", json.get("result").asText());
        JsonNode artifact = json.get("artifacts").get(0);
        assertEquals("SUCCESS", artifact.get("finishReason").asText());
        assertEquals(7, artifact.get("seed").asLong());
        BufferedImage image = ImageIO.read(new ByteArrayInputStream(
                Base64.getDecoder().decode(artifact.get("base64").asText())));
        assertEquals(640, image.getWidth());
        assertEquals(1536, image.getHeight());
        assertTrue(Files.isRegularFile(workDir.resolve("cache/smoke-sdxl/model_index.json")));
    }

    @Test
    void aSizeOutsideSdxlsListNamesTheField() {
        ValidationException e = assertThrows(ValidationException.class, () -> sync.invokeModel(r -> r.modelId(ID)
                .contentType("application/json").body(SdkBytes.fromUtf8String(
                        "{\"text_prompts\":[{\"text\":\"a cat\"}],\"width\":1024,\"height\":640}"))));
        assertEquals(400, e.statusCode());
        assertTrue(e.awsErrorDetails().errorMessage().contains("height"), e.awsErrorDetails().errorMessage());
    }
}
