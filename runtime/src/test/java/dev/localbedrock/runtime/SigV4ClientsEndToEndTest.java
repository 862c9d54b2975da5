package dev.localbedrock.runtime;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.localbedrock.runtime.cli.InProcessCli;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * {@code auth: sigv4} through the unchanged non-Java clients, with keys made by the command line exactly as an
 * operator would ({@code keys create --config models.yaml --policy FILE --json}) while the server runs: the
 * JavaScript SDK v3 (HTTP/2, cleartext and TLS), boto3 (HTTP and HTTPS) and the AWS CLI. Each is shown to work with
 * the key, to be refused with {@code InvalidSignatureException} when the secret is wrong, and (boto3, CLI) to be
 * refused with {@code AccessDeniedException} naming principal, action and resource when the key's policies do not
 * allow the call.
 */
class SigV4ClientsEndToEndTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Path JS_SOURCES = Path.of("src", "test", "js");
    private static final Path JS_INSTALL = Path.of("target", "js-sdk");
    private static final Path BOTO3_SCRIPT = Path.of("src", "test", "python", "boto3_sigv4.py");
    /** Far above the seconds a run takes: a wedged client or server fails the test instead of hanging the build. */
    private static final int TIMEOUT_SECONDS = 180;
    private static final String MODEL_ARN = "arn:aws:bedrock:*::foundation-model/" + TestServers.LLAMA_ID;
    /** Invoke both ways on the served Llama model, and list the foundation models. */
    private static final String INVOKER_POLICY = """
            {"Version": "2012-10-17", "Statement": [
              {"Sid": "InvokeLlama", "Effect": "Allow",
               "Action": ["bedrock:InvokeModel", "bedrock:InvokeModelWithResponseStream"], "Resource": "%s"},
              {"Sid": "List", "Effect": "Allow", "Action": "bedrock:ListFoundationModels", "Resource": "*"}]}
            """.formatted(MODEL_ARN);
    /** Invoke only models this server does not serve as Llama: nothing the tests call is allowed. */
    private static final String OTHER_MODELS_POLICY = """
            {"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
              "Action": ["bedrock:InvokeModel", "bedrock:InvokeModelWithResponseStream"],
              "Resource": "arn:aws:bedrock:*::foundation-model/amazon.*"}]}
            """;

    @TempDir
    static Path workDir;
    static BedrockService service;
    static Path certFile;
    static Key invoker;
    static Key restricted;

    /** What {@code keys create --json} printed. */
    record Key(String accessKeyId, String secretAccessKey, String principalArn) {
    }

    record Result(int exit, String stdout, String stderr) {
        String output() {
            return stdout + stderr;
        }
    }

    @BeforeAll
    static void start() throws Exception {
        service = TestServers.startTinyLlama(workDir, "auth: sigv4\ntls:\n  port: 0\n", "");
        certFile = workDir.resolve(".local-bedrock/tls/cert.pem");
        assertTrue(Files.isRegularFile(certFile), "no generated certificate at " + certFile);
        invoker = createKey("invoker", "invoke-llama", INVOKER_POLICY);
        restricted = createKey("restricted", "other-models", OTHER_MODELS_POLICY);
    }

    @AfterAll
    static void stop() {
        if (service != null) {
            service.close();
        }
    }

    /** {@code keys create} in-process, on the models.yaml the server was started from. */
    static Key createKey(String principal, String policyName, String policy) throws Exception {
        Path policyFile = Files.writeString(workDir.resolve(policyName + ".json"), policy);
        InProcessCli.Run created = InProcessCli.run("keys", "create", "--config",
                workDir.resolve("models.yaml").toString(), "--principal", principal, "--policy",
                policyFile.toString(), "--json");
        assertEquals(0, created.exit(), created.err());
        JsonNode key = JSON.readTree(created.out());
        return new Key(key.get("accessKeyId").asText(), key.get("secretAccessKey").asText(),
                key.get("principalArn").asText());
    }

    private static String http() {
        return "http://127.0.0.1:" + service.address().getPort();
    }

    /** localhost: the name the generated certificate is issued for. */
    private static String https() {
        return "https://localhost:" + service.tlsAddress().getPort();
    }

    @Test
    void javaScriptSdkSignsWithTheCliKeyOverHttp2CleartextAndTls() throws Exception {
        JsSdkEndToEndTest.installSdk();
        Files.copy(JS_SOURCES.resolve("sigv4-test.mjs"), JS_INSTALL.resolve("sigv4-test.mjs"),
                StandardCopyOption.REPLACE_EXISTING);
        Map<String, String> env = Map.of("KEY_ID", invoker.accessKeyId(), "SECRET", invoker.secretAccessKey());
        Result plain = run(List.of("node", "sigv4-test.mjs", http(), TestServers.LLAMA_ID), env, JS_INSTALL);
        assertEquals(0, plain.exit(), "node sigv4-test.mjs (http) failed:\n" + plain.output());
        assertTrue(plain.stdout().contains("all checks passed over http"), plain.output());

        Map<String, String> tlsEnv = new LinkedHashMap<>(env);
        tlsEnv.put("NODE_EXTRA_CA_CERTS", certFile.toAbsolutePath().toString());
        Result tls = run(List.of("node", "sigv4-test.mjs", https(), TestServers.LLAMA_ID), tlsEnv, JS_INSTALL);
        assertEquals(0, tls.exit(), "node sigv4-test.mjs (https) failed:\n" + tls.output());
        assertTrue(tls.stdout().contains("all checks passed over https"), tls.output());
        assertEquals(generations(plain), generations(tls), "the same greedy text over both transports");
    }

    @Test
    void boto3SignsWithTheCliKeyAndIsRefusedWithAWrongSecretOrNoPermission() throws Exception {
        Map<String, String> env = new LinkedHashMap<>(pythonModels());
        env.put("KEY_ID", invoker.accessKeyId());
        env.put("SECRET", invoker.secretAccessKey());
        env.put("DENIED_KEY_ID", restricted.accessKeyId());
        env.put("DENIED_SECRET", restricted.secretAccessKey());
        env.put("DENIED_PRINCIPAL_ARN", restricted.principalArn());
        Result python = run(List.of("python3", BOTO3_SCRIPT.toAbsolutePath().toString(), http(), https(),
                certFile.toAbsolutePath().toString(), TestServers.LLAMA_ID), env, workDir);
        assertEquals(0, python.exit(), "boto3_sigv4.py failed:\n" + python.output());
        assertTrue(python.stdout().contains("all checks passed"), python.output());
        assertTrue(python.stdout().contains("sts session: ok"), "boto3's STS client: " + python.output());
        List<String> generations = generations(python);
        assertEquals(2, generations.size(), python.output());
        assertEquals(generations.get(0), generations.get(1), "the same greedy text over HTTP and HTTPS");
    }

    @Test
    void awsCliListsWithTheKeyAndIsDeniedWithoutThePermission() throws Exception {
        Result version = run(List.of("aws", "--version"), Map.of(), workDir);
        assumeTrue(version.exit() == 0, "no AWS CLI on the PATH (./test.sh installs Debian's awscli)");
        // A CLI that does not know Bedrock itself (Debian's, older than it) answers "Invalid choice" until it is
        // given the service models; a newer one runs on its own models, as a user's would.
        Map<String, String> models = Map.of();
        Result listed = aws(invoker, models, "--endpoint-url", http());
        if (listed.exit() != 0 && listed.stderr().contains("Invalid choice")) {
            models = Map.of("AWS_DATA_PATH", awsModels().toString());
            listed = aws(invoker, models, "--endpoint-url", http());
        }
        assertEquals(0, listed.exit(), "list-foundation-models failed:\n" + listed.output());
        List<String> ids = new ArrayList<>();
        JSON.readTree(listed.stdout()).path("modelSummaries").forEach(m -> ids.add(m.path("modelId").asText()));
        assertEquals(List.of(TestServers.LLAMA_ID), ids);
        Result overTls = aws(invoker, models, "--endpoint-url", https(), "--ca-bundle",
                certFile.toAbsolutePath().toString());
        assertEquals(0, overTls.exit(), "list-foundation-models over HTTPS failed:\n" + overTls.output());
        assertEquals(JSON.readTree(listed.stdout()), JSON.readTree(overTls.stdout()));

        Result denied = aws(restricted, models, "--endpoint-url", http());
        assertTrue(denied.exit() == 254 || denied.exit() == 255, "exit " + denied.exit() + ":\n" + denied.output());
        assertTrue(denied.stderr().contains("(AccessDeniedException)"), denied.output());
        assertTrue(denied.stderr().contains("User: " + restricted.principalArn()
                + " is not authorized to perform: bedrock:ListFoundationModels"), denied.output());
        assertFalse(denied.stdout().contains(TestServers.LLAMA_ID), "nothing listed: " + denied.stdout());

        Key forged = new Key(invoker.accessKeyId(), "x" + invoker.secretAccessKey().substring(1),
                invoker.principalArn());
        Result wrongSecret = aws(forged, models, "--endpoint-url", http());
        assertTrue(wrongSecret.exit() == 254 || wrongSecret.exit() == 255, wrongSecret.output());
        assertTrue(wrongSecret.stderr().contains("(InvalidSignatureException)"), wrongSecret.output());
    }

    private static Result aws(Key key, Map<String, String> models, String... endpointArgs) throws Exception {
        List<String> command = new ArrayList<>(List.of("aws", "bedrock", "list-foundation-models", "--output",
                "json"));
        command.addAll(List.of(endpointArgs));
        Map<String, String> env = new LinkedHashMap<>(models);
        env.put("AWS_ACCESS_KEY_ID", key.accessKeyId());
        env.put("AWS_SECRET_ACCESS_KEY", key.secretAccessKey());
        env.put("AWS_DEFAULT_REGION", "us-east-1");
        return run(command, env, workDir);
    }

    /** Each {@code generation: <JSON string>} line the script printed. */
    private static List<String> generations(Result result) throws IOException {
        List<String> texts = new ArrayList<>();
        for (String line : result.stdout().split("\n")) {
            if (line.startsWith("generation: ")) {
                texts.add(JSON.readTree(line.substring("generation: ".length())).asText());
            }
        }
        assertFalse(texts.isEmpty(), "no generation printed:\n" + result.output());
        return texts;
    }

    /**
     * The service models for a boto3 that does not know Bedrock (Debian's, older than it), through AWS_DATA_PATH;
     * a newer one runs on its own models, as a user's would.
     */
    private static Map<String, String> pythonModels() throws Exception {
        Result probe = run(List.of("python3", "-c", "import boto3; "
                + "print('bedrock-runtime' in boto3.session.Session().get_available_services())"), Map.of(), workDir);
        assertEquals(0, probe.exit(), "python3 with boto3 is needed (./test.sh installs Debian's python3-boto3):\n"
                + probe.output());
        return probe.stdout().strip().equals("True") ? Map.of() : Map.of("AWS_DATA_PATH", awsModels().toString());
    }

    private static Path awsModels() {
        return TestServers.sharedModels().getParent().resolve("clients").resolve("aws-models");
    }

    /**
     * Runs a client program seeing only the AWS settings given: none of the machine's profiles, config files,
     * credentials or endpoints.
     */
    static Result run(List<String> command, Map<String, String> extraEnv, Path dir)
            throws IOException, InterruptedException {
        Path out = Files.createTempFile(workDir, "client", ".out");
        Path err = Files.createTempFile(workDir, "client", ".err");
        ProcessBuilder builder = new ProcessBuilder(command).directory(dir.toFile())
                .redirectOutput(out.toFile()).redirectError(err.toFile());
        Map<String, String> env = builder.environment();
        env.keySet().removeIf(name -> name.startsWith("AWS_"));
        env.put("AWS_CONFIG_FILE", workDir.resolve("no-aws-config").toString());
        env.put("AWS_SHARED_CREDENTIALS_FILE", workDir.resolve("no-aws-credentials").toString());
        env.put("AWS_EC2_METADATA_DISABLED", "true");
        env.put("AWS_PAGER", "");
        env.put("NO_PROXY", "127.0.0.1,localhost");
        env.put("PYTHONDONTWRITEBYTECODE", "1");
        env.putAll(extraEnv);
        Process process = builder.start();
        process.getOutputStream().close();
        if (!process.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            return new Result(-1, Files.readString(out), Files.readString(err) + "\ntimed out");
        }
        return new Result(process.exitValue(), Files.readString(out, StandardCharsets.UTF_8),
                Files.readString(err, StandardCharsets.UTF_8));
    }
}
