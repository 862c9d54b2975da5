package dev.localbedrock.runtime;

import dev.localbedrock.runtime.catalog.CatalogLoader;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Converse and ConverseStream through the unchanged AWS SDK for JavaScript v3 (src/test/js/converse-test.mjs, run
 * with the machine's node, the SDK installed from the lock file as for {@link JsSdkEndToEndTest}): multi-turn with a
 * system prompt, stop sequences, the stream's events, a forced tool call checked against its schema, typed errors, on
 * tiny-random-llama and on the generated smoke model.
 */
class JsSdkConverseEndToEndTest {
    @TempDir
    static Path workDir;
    static BedrockService service;

    @BeforeAll
    static void start() throws Exception {
        JsSdkEndToEndTest.installSdk();
        Files.copy(Path.of("src", "test", "js", "converse-test.mjs"), Path.of("target", "js-sdk", "converse-test.mjs"),
                StandardCopyOption.REPLACE_EXISTING);
        String smoke = """
                - id: %s
                  family: meta-llama2
                  source: generated:smoke-llama
                  engine: onnxruntime
                  device: cpu
                  max_context_tokens: 2048""".formatted(ConverseSdkEndToEndTest.SMOKE_ID);
        Path file = TestServers.writeTinyLlamaCatalogue(workDir, "pytorch", "", "max_context_tokens: 512", smoke);
        service = BedrockService.start(CatalogLoader.load(file));
    }

    @AfterAll
    static void stop() {
        if (service != null) {
            service.close();
        }
    }

    @Test
    void converseStreamToolsAndErrorsPassThroughTheJavaScriptSdk() throws Exception {
        String endpoint = "http://127.0.0.1:" + service.address().getPort();
        JsSdkEndToEndTest.Result node = JsSdkEndToEndTest.run(List.of("node", "converse-test.mjs", endpoint,
                TestServers.LLAMA_ID, ConverseSdkEndToEndTest.SMOKE_ID), 300);
        assertEquals(0, node.exit(), "node converse-test.mjs failed:\n" + node.output());
        assertTrue(node.output().contains(TestServers.LLAMA_ID + ": converse checks passed"), node.output());
        assertTrue(node.output().contains(ConverseSdkEndToEndTest.SMOKE_ID + ": converse checks passed"),
                node.output());
        assertTrue(node.output().contains("all converse checks passed"), node.output());
    }
}
