package dev.localbedrock.runtime.clients;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.localbedrock.runtime.BedrockService;
import dev.localbedrock.runtime.TestServers;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

/**
 * The {@code bedrock} control plane through the unchanged boto3 and AWS CLI against the real server: foundation models
 * listed (with filters) and described, provisioned throughput created, read, listed page by page, invoked through
 * {@code bedrock-runtime} and deleted, and the errors each client raises. The boto3 checks are
 * src/test/python/boto3_control_plane.py, run under every distinct Python with boto3 among {@code python3} on the
 * PATH and Debian's {@code /usr/bin/python3}; the CLI checks run under every distinct {@code aws} among the one on the
 * PATH and Debian's {@code /usr/bin/aws} ({@code ./test.sh} installs Debian's awscli). A client that does not know
 * Bedrock itself (Debian's, older than it) is given the service models through AWS_DATA_PATH; a newer one runs on its
 * own models, as a user's would.
 */
class Boto3ControlPlaneTest {
    private static final Path SCRIPT = Path.of("src", "test", "python", "boto3_control_plane.py");
    /** Far above the few seconds a run takes: a wedged client or server fails the test instead of hanging the build. */
    private static final int TIMEOUT_SECONDS = 120;
    private static final String FOUNDATION_ARN = "arn:aws:bedrock:us-east-1::foundation-model/";
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    static Path workDir;
    static BedrockService service;
    /** Each AWS CLI's answer to its first command, {@code aws bedrock list-foundation-models}. */
    static final Map<String, String> listings = new LinkedHashMap<>();

    /** A client program: its command, the version it reports, whether it needs the service models given. */
    record Client(String command, String version, boolean needsModels) {
    }

    @BeforeAll
    static void start() throws Exception {
        assertTrue(Files.isDirectory(awsModels().resolve("bedrock")),
                "the bedrock service model is missing: expected " + awsModels());
        service = ClientTestServer.start(workDir);
    }

    @AfterAll
    static void stop() {
        if (service != null) {
            service.close();
        }
    }

    @TestFactory
    Stream<DynamicTest> boto3() throws Exception {
        List<Client> pythons = pythons();
        assertFalse(pythons.isEmpty(), "python3 with boto3 is needed (./test.sh installs Debian's python3-boto3, or"
                + " run `apt-get install python3-boto3`)");
        int[] run = {0};
        return pythons.stream().map(python -> DynamicTest.dynamicTest(python.version(), () -> {
            List<String> command = new ArrayList<>(List.of(python.command(), SCRIPT.toAbsolutePath().toString(), endpoint(),
                    "py" + run[0]++));
            for (ServedFamily f : ServedFamily.values()) {
                if (f.merged) {
                    command.add(f.modelId + "=" + f.kind);
                }
            }
            ClientProcess.Result result = ClientProcess.run(command, env(python.needsModels()), workDir,
                    TIMEOUT_SECONDS);
            System.out.print(result.output()); // each check's line, in the test report
            assertEquals(0, result.exit(), python.command() + " boto3_control_plane.py failed:\n" + result.output());
            assertTrue(result.stdout().contains("all checks passed"), result.output());
        }));
    }

    @TestFactory
    Stream<DynamicTest> awsCli() throws Exception {
        List<Client> clis = clis();
        assumeFalse(clis.isEmpty(), "no AWS CLI: `aws` is neither on the PATH nor /usr/bin/aws (./test.sh installs"
                + " Debian's awscli; or run `apt-get install awscli`)");
        int[] run = {0};
        return clis.stream().map(cli -> DynamicTest.dynamicTest(cli.version(),
                () -> new CliChecks(cli, "cli" + run[0]++).run()));
    }

    /** One AWS CLI through list, get, create, invoke and delete, each answer checked field by field. */
    private static final class CliChecks {
        private final Client cli;
        private final String name;
        private final String llama = TestServers.LLAMA_ID;

        CliChecks(Client cli, String prefix) {
            this.cli = cli;
            this.name = prefix + "-pt";
        }

        /**
         * Few commands, each a process start of about a second: ListFoundationModels' filters, idempotency, paging
         * and tags are the boto3 script's, through the same botocore.
         */
        void run() throws Exception {
            Set<String> served = new TreeSet<>();
            for (ServedFamily f : ServedFamily.values()) {
                if (f.merged) {
                    served.add(f.modelId);
                }
            }
            JsonNode models = JSON.readTree(listings.get(cli.command()));
            assertEquals(served, modelIds(models), "the served models");
            JsonNode llamaSummary = null;
            for (JsonNode m : models.path("modelSummaries")) {
                if (m.path("modelId").asText().equals(llama)) {
                    llamaSummary = m;
                }
            }
            assertEquals(List.of(FOUNDATION_ARN + llama, "Meta", "[\"TEXT\"]"), List.of(
                    llamaSummary.path("modelArn").asText(), llamaSummary.path("providerName").asText(),
                    llamaSummary.path("outputModalities").toString()));

            String arn = ok("bedrock", "create-provisioned-model-throughput", "--provisioned-model-name", name,
                    "--model-id", llama, "--model-units", "1", "--client-request-token", name + "-token",
                    "--tags", "key=team,value=" + name).path("provisionedModelArn").asText();
            assertTrue(arn.matches("arn:aws:bedrock:us-east-1:\\d{12}:provisioned-model/[a-z0-9]{12}"), arn);
            JsonNode got = ok("bedrock", "get-provisioned-model-throughput", "--provisioned-model-id", arn);
            assertEquals(List.of(name, arn, "InService", "1", FOUNDATION_ARN + llama), List.of(
                    got.path("provisionedModelName").asText(), got.path("provisionedModelArn").asText(),
                    got.path("status").asText(), got.path("modelUnits").asText(), got.path("modelArn").asText()));

            Path body = Files.writeString(workDir.resolve(name + "-body.json"),
                    "{\"prompt\":\"Hello world\",\"temperature\":0,\"max_gen_len\":4}");
            Path answer = workDir.resolve(name + "-answer.json");
            JsonNode invoked = ok("bedrock-runtime", "invoke-model", "--model-id", arn, "--content-type",
                    "application/json", "--accept", "application/json", "--body", "fileb://" + body, answer.toString());
            assertEquals("application/json", invoked.path("contentType").asText(), invoked.toString());
            String generation = JSON.readTree(answer.toFile()).path("generation").asText();
            assertFalse(generation.isEmpty(), "no text through the provisioned ARN");

            ok("bedrock", "delete-provisioned-model-throughput", "--provisioned-model-id", arn);
            failsWith("ResourceNotFoundException", "bedrock", "get-provisioned-model-throughput",
                    "--provisioned-model-id", arn);
            String refused = failsWith("ValidationException", "bedrock", "create-provisioned-model-throughput",
                    "--provisioned-model-name", name + "-y", "--model-id", llama, "--model-units", "1",
                    "--commitment-duration", "TwoYears");
            assertTrue(refused.contains("commitmentDuration"), refused);
        }

        /** The command's JSON answer; it must exit 0. */
        private JsonNode ok(String... args) throws Exception {
            ClientProcess.Result result = aws(args);
            assertEquals(0, result.exit(), String.join(" ", args) + " failed:\n" + result.output());
            return result.stdout().isBlank() ? JSON.createObjectNode() : JSON.readTree(result.stdout());
        }

        /** The command must fail with this AWS error code, which the CLI names on stderr; returns its message. */
        private String failsWith(String code, String... args) throws Exception {
            ClientProcess.Result result = aws(args);
            assertNotEquals(0, result.exit(), String.join(" ", args) + " succeeded:\n" + result.output());
            assertTrue(result.stderr().contains("(" + code + ")"), "not " + code + ":\n" + result.output());
            return result.stderr();
        }

        private ClientProcess.Result aws(String... args) throws Exception {
            List<String> command = new ArrayList<>(List.of(cli.command()));
            command.addAll(Arrays.asList(args));
            command.addAll(List.of("--endpoint-url", endpoint(), "--output", "json"));
            return ClientProcess.run(command, cliEnv(cli.needsModels()), workDir, TIMEOUT_SECONDS);
        }

        private static Set<String> modelIds(JsonNode list) {
            Set<String> ids = new TreeSet<>();
            list.path("modelSummaries").forEach(m -> ids.add(m.path("modelId").asText()));
            return ids;
        }
    }

    /** Every distinct Python with boto3, and whether it knows Bedrock without the service models. */
    private static List<Client> pythons() throws Exception {
        Map<String, Client> found = new LinkedHashMap<>();
        StringBuilder probes = new StringBuilder();
        for (String python : List.of("python3", "/usr/bin/python3")) {
            ClientProcess.Result probe = ClientProcess.run(List.of(python, "-c", "import os, sys, boto3, botocore; "
                    + "known = set(boto3.session.Session().get_available_services()); "
                    + "print(os.path.realpath(sys.executable), 'boto3-' + boto3.__version__, "
                    + "'botocore-' + botocore.__version__, {'bedrock', 'bedrock-runtime'} <= known)"),
                    Map.of(), workDir, 60);
            probes.append(python).append(": ").append(probe.output().strip()).append('\n');
            String[] words = probe.stdout().strip().split(" ");
            if (probe.exit() == 0 && words.length == 4) {
                found.putIfAbsent(words[0], new Client(python, python + " " + words[1] + " " + words[2],
                        words[3].equals("False")));
            }
        }
        System.out.print(probes);
        return List.copyOf(found.values());
    }

    /**
     * Every distinct AWS CLI, by the version it reports, and whether it knows Bedrock itself: one that does not
     * answers {@code aws bedrock ...} with "Invalid choice" until it is given the service models. That first
     * {@code list-foundation-models} is kept in {@link #listings} as the CLI checks' first answer.
     */
    private static List<Client> clis() throws Exception {
        Map<String, Client> found = new LinkedHashMap<>();
        for (String aws : List.of("aws", "/usr/bin/aws")) {
            ClientProcess.Result version = ClientProcess.run(List.of(aws, "--version"), Map.of(), workDir, 60);
            System.out.println(aws + ": " + version.output().strip());
            String[] words = version.output().strip().split(" ");
            if (version.exit() != 0 || !words[0].startsWith("aws-cli/") || found.containsKey(words[0])) {
                continue;
            }
            ClientProcess.Result known = ClientProcess.run(List.of(aws, "bedrock", "list-foundation-models",
                    "--endpoint-url", endpoint(), "--output", "json"), cliEnv(false), workDir, TIMEOUT_SECONDS);
            boolean needsModels = known.exit() != 0 && known.stderr().contains("Invalid choice");
            if (needsModels) {
                known = ClientProcess.run(List.of(aws, "bedrock", "list-foundation-models", "--endpoint-url",
                        endpoint(), "--output", "json"), cliEnv(true), workDir, TIMEOUT_SECONDS);
            }
            assertEquals(0, known.exit(), aws + " bedrock list-foundation-models failed:\n" + known.output());
            listings.put(aws, known.stdout());
            found.put(words[0], new Client(aws, aws + " " + words[0], needsModels));
        }
        return List.copyOf(found.values());
    }

    private static Map<String, String> env(boolean needsModels) {
        return needsModels ? Map.of("AWS_DATA_PATH", awsModels().toString()) : Map.of();
    }

    /** The CLI takes its credentials and region from the environment; dummy ones, as any local endpoint wants. */
    private static Map<String, String> cliEnv(boolean needsModels) {
        Map<String, String> env = new LinkedHashMap<>(env(needsModels));
        env.put("AWS_ACCESS_KEY_ID", ClientTestServer.ACCESS_KEY);
        env.put("AWS_SECRET_ACCESS_KEY", ClientTestServer.SECRET_KEY);
        env.put("AWS_DEFAULT_REGION", "us-east-1");
        return env;
    }

    private static String endpoint() {
        return ClientTestServer.endpoint(service).toString();
    }

    /** The bedrock and bedrock-runtime service models beside the shared test models (shared/clients/aws-models). */
    private static Path awsModels() {
        return TestServers.sharedModels().getParent().resolve("clients").resolve("aws-models");
    }
}
