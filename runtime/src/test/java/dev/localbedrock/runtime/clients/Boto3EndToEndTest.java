package dev.localbedrock.runtime.clients;

import dev.localbedrock.runtime.BedrockService;
import dev.localbedrock.runtime.TestServers;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The unchanged boto3 against the real server, family by family: src/test/python/boto3_clients.py holds the checks
 * and each family's body shapes; this class serves the families and runs the script once per family and interpreter.
 * It runs under every distinct Python that has boto3 among {@code python3} on the PATH and Debian's
 * {@code /usr/bin/python3}: Debian's python3-boto3 is older than Bedrock and learns the service from the
 * bedrock-runtime model given through AWS_DATA_PATH; a newer boto3 knows it already and is given nothing, so it
 * runs on its own (newer) service model, as a user's would.
 */
class Boto3EndToEndTest {
    private static final Path SCRIPT = Path.of("src", "test", "python", "boto3_clients.py");
    /** Far above the few seconds a run takes: a wedged client or server fails the test instead of hanging the build. */
    private static final int TIMEOUT_SECONDS = 120;

    @TempDir
    static Path workDir;
    static BedrockService service;
    /** The interpreters with boto3, one per distinct executable. */
    static final Map<String, Client> pythons = new LinkedHashMap<>();

    /** An interpreter: its command, the versions it reports, whether it needs the service model given. */
    record Client(String command, String version, boolean needsModels) {
    }

    @BeforeAll
    static void start() throws Exception {
        StringBuilder probes = new StringBuilder();
        for (String python : List.of("python3", "/usr/bin/python3")) {
            ClientProcess.Result probe = ClientProcess.run(List.of(python, "-c", "import os, sys, boto3, botocore; "
                    + "known = boto3.session.Session().get_available_services(); "
                    + "print(os.path.realpath(sys.executable), 'boto3-' + boto3.__version__, "
                    + "'botocore-' + botocore.__version__, 'bedrock-runtime' in known)"), Map.of(), workDir, 60);
            probes.append(python).append(": ").append(probe.output().strip()).append('\n');
            String[] words = probe.stdout().strip().split(" ");
            if (probe.exit() == 0 && words.length == 4) {
                pythons.putIfAbsent(words[0], new Client(python, python + " " + words[1] + " " + words[2],
                        words[3].equals("False")));
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

    @Test
    void stabilitySdxl() throws Exception {
        check(ServedFamily.STABILITY_SDXL);
    }

    private static void check(ServedFamily family) throws Exception {
        for (Client python : pythons.values()) {
            ClientProcess.Result run = python(python, List.of(SCRIPT.toAbsolutePath().toString(),
                    ClientTestServer.endpoint(service).toString(), family.family + "=" + family.modelId),
                    TIMEOUT_SECONDS);
            System.out.println(python.version() + (python.needsModels() ? " (service model given)" : ""));
            System.out.print(run.output()); // each check's line, in the test report
            assertEquals(0, run.exit(), python.version() + " boto3_clients.py failed for " + family.family + ":\n"
                    + run.output());
            assertTrue(run.stdout().contains("all checks passed"), run.output());
        }
    }

    /** The bedrock-runtime service model beside the shared test models (shared/clients/aws-models). */
    static Path awsModels() {
        return TestServers.sharedModels().getParent().resolve("clients").resolve("aws-models");
    }

    /**
     * Runs a Python with the bedrock-runtime service model given through AWS_DATA_PATH only when it does not know the
     * service itself: a newer boto3 then runs on its own models, as a user's would, not on the stored older ones.
     */
    private static ClientProcess.Result python(Client python, List<String> args, int timeoutSeconds)
            throws Exception {
        List<String> command = new ArrayList<>();
        command.add(python.command());
        command.addAll(args);
        Map<String, String> env = python.needsModels() ? Map.of("AWS_DATA_PATH", awsModels().toString()) : Map.of();
        return ClientProcess.run(command, env, workDir, timeoutSeconds);
    }
}
