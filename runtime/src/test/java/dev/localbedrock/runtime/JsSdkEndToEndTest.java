package dev.localbedrock.runtime;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The unchanged AWS SDK for JavaScript v3 (HTTP/2 by default) against the real server, run with the machine's node:
 * the Llama 2 text model and Titan Embeddings (served by the built-in all-MiniLM-L6-v2).
 * The SDK is installed from the lock file in src/test/js into target/js-sdk on first run.
 */
class JsSdkEndToEndTest {
    private static final Path SOURCES = Path.of("src", "test", "js");
    private static final Path INSTALL = Path.of("target", "js-sdk");

    @TempDir
    static Path workDir;
    static BedrockService service;

    @BeforeAll
    static void start() throws Exception {
        installSdk();
        service = TestServers.startTinyLlamaAndMiniLm(workDir, "");
    }

    @AfterAll
    static void stop() {
        if (service != null) {
            service.close();
        }
    }

    static void installSdk() throws Exception {
        Files.createDirectories(INSTALL);
        for (String file : List.of("package.json", "package-lock.json", "sdk-test.mjs", "families-test.mjs")) {
            Files.copy(SOURCES.resolve(file), INSTALL.resolve(file), StandardCopyOption.REPLACE_EXISTING);
        }
        if (!Files.isDirectory(INSTALL.resolve("node_modules/@aws-sdk/client-bedrock-runtime"))) {
            Result npm = run(List.of("npm", "ci", "--no-audit", "--no-fund"), 600);
            assertEquals(0, npm.exit, "npm ci failed:\n" + npm.output);
        }
    }

    @Test
    void invokeStreamAndErrorsPassThroughTheJavaScriptSdk() throws Exception {
        String endpoint = "http://127.0.0.1:" + service.address().getPort();
        Result node = run(List.of("node", "sdk-test.mjs", endpoint, TestServers.LLAMA_ID, TestServers.TITAN_EMBED_ID),
                180);
        assertEquals(0, node.exit, "node sdk-test.mjs failed:\n" + node.output);
        assertTrue(node.output.contains("all checks passed"), node.output);
        assertTrue(node.output.contains("embeddings included"), node.output);
    }

    record Result(int exit, String output) {
    }

    static Result run(List<String> command, int timeoutSeconds) throws IOException, InterruptedException {
        Path log = Files.createTempFile("js-sdk", ".log");
        Process process = new ProcessBuilder(command).directory(INSTALL.toFile()).redirectErrorStream(true)
                .redirectOutput(log.toFile()).start();
        if (!process.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            return new Result(-1, "timed out after " + timeoutSeconds + " s\n" + Files.readString(log));
        }
        return new Result(process.exitValue(), Files.readString(log, StandardCharsets.UTF_8));
    }
}
