package dev.localbedrock.frameworks;

import dev.localbedrock.runtime.BedrockService;
import dev.localbedrock.runtime.ConverseChecks;
import dev.localbedrock.runtime.TestServers;
import dev.localbedrock.runtime.catalog.CatalogLoader;
import software.amazon.awssdk.services.bedrockruntime.BedrockRuntimeAsyncClient;
import software.amazon.awssdk.services.bedrockruntime.BedrockRuntimeClient;

import java.nio.file.Path;

/**
 * The real service on an ephemeral port serving tiny-random-llama as {@value TestServers#LLAMA_ID}, and the AWS SDK
 * clients a framework is handed: only an endpoint override, static credentials and a region, as a user would
 * configure them (the async client keeps its default, HTTP/2 with prior knowledge).
 */
final class FrameworkTestServer {
    static final String MODEL_ID = TestServers.LLAMA_ID;

    private FrameworkTestServer() {
    }

    static BedrockService start(Path workDir) throws Exception {
        return BedrockService.start(CatalogLoader.load(
                TestServers.writeTinyLlamaCatalogue(workDir, "pytorch", "", "max_context_tokens: 512", "")));
    }

    static BedrockRuntimeClient sync(BedrockService service) {
        return TestServers.syncClient(service);
    }

    static BedrockRuntimeAsyncClient async(BedrockService service) {
        return TestServers.asyncClient(service);
    }

    /** Fails unless {@code json} satisfies {@code schema}, checked independently of the server. */
    static void assertValid(String schema, String json) throws Exception {
        ConverseChecks.assertValid(schema, json);
    }

    static String stopSequenceInside(String text) {
        return ConverseChecks.stopSequenceInside(text);
    }
}
