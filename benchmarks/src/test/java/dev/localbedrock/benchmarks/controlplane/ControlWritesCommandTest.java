package dev.localbedrock.benchmarks.controlplane;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.localbedrock.benchmarks.BenchTool;
import dev.localbedrock.runtime.BedrockService;
import dev.localbedrock.runtime.catalog.CatalogLoader;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.bedrock.BedrockClient;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * control-writes against the in-process server on its SQLite state, on the shared tiny-random-llama (the module
 * runs in benchmarks/, so the repository's ../shared is ../../shared).
 */
class ControlWritesCommandTest {
    @TempDir
    Path tmp;

    @Test
    void timesEveryWriteAndLeavesNoProvisionedThroughputBehind() throws Exception {
        Path model = Path.of("../../shared/models/tiny-random-llama").toAbsolutePath().normalize();
        Path yaml = tmp.resolve("models.yaml");
        Files.writeString(yaml, """
                server: {host: 127.0.0.1, port: 0}
                cache_dir: "%s"
                models:
                  - id: meta.llama2-13b-chat-v1
                    family: meta-llama2
                    source: "%s"
                    engine: pytorch
                    device: cpu
                """.formatted(tmp.resolve("cache"), model));
        Path json = tmp.resolve("writes.json");
        try (BedrockService service = BedrockService.start(CatalogLoader.load(yaml))) {
            String endpoint = "http://127.0.0.1:" + service.address().getPort();
            StringWriter err = new StringWriter();
            CommandLine cl = new CommandLine(new BenchTool());
            cl.setErr(new PrintWriter(err));
            int code = cl.execute("control-writes", "--endpoint", endpoint, "--writes", "30", "--warmup", "3",
                    "--json", json.toString());
            assertEquals(0, code, err.toString());
            // the throughput it wrote to was deleted at the end
            try (BedrockClient client = BedrockClient.builder().endpointOverride(URI.create(endpoint))
                    .region(Region.US_EAST_1).credentialsProvider(StaticCredentialsProvider.create(
                            AwsBasicCredentials.create("AKIDEXAMPLE", "not-a-secret"))).build()) {
                assertEquals(0, client.listProvisionedModelThroughputs(r -> { }).provisionedModelSummaries().size());
            }
        }
        JsonNode doc = new ObjectMapper().readTree(json.toFile());
        assertEquals(30, doc.path("tag_resource_ms").path("count").asInt());
        assertEquals(30, doc.path("untag_resource_ms").path("count").asInt());
        assertTrue(doc.path("tag_resource_ms").path("p50").asDouble() > 0);
        assertTrue(doc.path("writes_per_s").asDouble() > 0);
    }
}
