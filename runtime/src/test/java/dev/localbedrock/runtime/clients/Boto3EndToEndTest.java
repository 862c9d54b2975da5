package dev.localbedrock.runtime.clients;

import dev.localbedrock.runtime.BedrockService;
import dev.localbedrock.runtime.TestServers;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The unchanged boto3 against the real server, family by family: src/test/python/boto3_clients.py holds the checks
 * and each family's body shapes; this class serves the families and runs the script once per family and interpreter.
 * It runs under every distinct Python that has boto3 among {@code python3} on the PATH and Debian's
 * {@code /usr/bin/python3}: Debian's python3-boto3 is older than Bedrock and learns the service from the
 * bedrock-runtime model given through AWS_DATA_PATH; a newer pip boto3 knows it already.
 */
class Boto3EndToEndTest {
    private static final Path SCRIPT = Path.of("src", "test", "python", "boto3_clients.py");
    /** Far above the few seconds a run takes: a wedged client or server fails the test instead of hanging the build. */
    private static final int TIMEOUT_SECONDS = 120;

    @TempDir
    static Path workDir;
    static BedrockService service;
    /** The interpreters with boto3, one per distinct executable. */
    static final Map<String, String> pythons = new LinkedHashMap<>();

    @BeforeAll
    static void start() throws Exception {
        StringBuilder probes = new StringBuilder();
        for (String python : List.of("python3", "/usr/bin/python3")) {
            Result probe = python(python, List.of("-c", "import os, sys, boto3; "
                    + "print(os.path.realpath(sys.executable), 'boto3', boto3.__version__)"), 60);
            probes.append(python).append(": ").append(probe.output.strip()).append('\n');
            if (probe.exit == 0) {
                pythons.putIfAbsent(probe.output.strip().split(" ")[0], python);
            }
        }
        System.out.print(probes);
        assertFalse(pythons.isEmpty(), "python3 with boto3 is needed (./test.sh installs Debian's python3-boto3, or"
                + " run `apt-get install python3-boto3`):\n" + probes);
        assertTrue(Files.isDirectory(awsModels().resolve("bedrock-runtime")),
                "the bedrock-runtime service model is missing: expected " + awsModels());
        service = ClientTestServer.start(workDir);
    }

    @AfterAll
    static void stop() {
        if (service != null) {
            service.close();
        }
    }

    @Test
    void metaLlama2() throws Exception {
        check(ServedFamily.META_LLAMA2);
    }

    @Test
    void amazonTitanEmbed() throws Exception {
        check(ServedFamily.AMAZON_TITAN_EMBED);
    }

    @Test
    void amazonTitanText() throws Exception {
        check(ServedFamily.AMAZON_TITAN_TEXT);
    }

    @Test
    void anthropicClaude() throws Exception {
        check(ServedFamily.ANTHROPIC_CLAUDE);
    }

    @Test
    void ai21Jurassic2() throws Exception {
        check(ServedFamily.AI21_J2);
    }

    @Test
    void cohereCommand() throws Exception {
        check(ServedFamily.COHERE_COMMAND);
    }

    @Test
    void cohereEmbed() throws Exception {
        check(ServedFamily.COHERE_EMBED);
    }

    private static void check(ServedFamily family) throws Exception {
        for (String python : pythons.values()) {
            Result run = python(python, List.of(SCRIPT.toString(), ClientTestServer.endpoint(service).toString(),
                    family.family + "=" + family.modelId), TIMEOUT_SECONDS);
            System.out.print(run.output); // each check's line, in the test report
            assertEquals(0, run.exit, python + " boto3_clients.py failed for " + family.family + ":\n" + run.output);
            assertTrue(run.output.contains("all checks passed"), run.output);
        }
    }

    /** The bedrock-runtime service model beside the shared test models (shared/clients/aws-models). */
    static Path awsModels() {
        return TestServers.sharedModels().getParent().resolve("clients").resolve("aws-models");
    }

    record Result(int exit, String output) {
    }

    private static Result python(String python, List<String> args, int timeoutSeconds) throws Exception {
        List<String> command = new ArrayList<>();
        command.add(python);
        command.addAll(args);
        Path log = Files.createTempFile(workDir, "boto3", ".log");
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile());
        Map<String, String> env = builder.environment();
        // Only what the test gives: no profile, config file or endpoint of the machine's own AWS setup.
        env.keySet().removeIf(name -> name.startsWith("AWS_"));
        env.put("AWS_DATA_PATH", awsModels().toString());
        env.put("AWS_CONFIG_FILE", workDir.resolve("no-aws-config").toString());
        env.put("AWS_SHARED_CREDENTIALS_FILE", workDir.resolve("no-aws-credentials").toString());
        env.put("NO_PROXY", "127.0.0.1,localhost");
        env.put("PYTHONDONTWRITEBYTECODE", "1");
        Process process;
        try {
            process = builder.start();
        } catch (java.io.IOException e) {
            return new Result(-1, String.valueOf(e)); // no such interpreter
        }
        if (!process.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            return new Result(-1, "timed out after " + timeoutSeconds + " s\n" + Files.readString(log));
        }
        return new Result(process.exitValue(), Files.readString(log, StandardCharsets.UTF_8));
    }
}
