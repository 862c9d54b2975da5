package dev.localbedrock.runtime;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.localbedrock.runtime.auth.IssuedCredentials;
import dev.localbedrock.runtime.auth.SecretSealer;
import dev.localbedrock.runtime.auth.SecurityStore;
import dev.localbedrock.runtime.cli.InProcessCli;
import dev.localbedrock.runtime.controlplane.ProvisionedThroughputService;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentials;
import software.amazon.awssdk.auth.credentials.AwsSessionCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.core.exception.SdkServiceException;
import software.amazon.awssdk.http.ContentStreamProvider;
import software.amazon.awssdk.http.Protocol;
import software.amazon.awssdk.http.ProtocolNegotiation;
import software.amazon.awssdk.http.SdkHttpMethod;
import software.amazon.awssdk.http.SdkHttpRequest;
import software.amazon.awssdk.http.TlsTrustManagersProvider;
import software.amazon.awssdk.http.apache5.Apache5HttpClient;
import software.amazon.awssdk.http.auth.aws.signer.AwsV4FamilyHttpSigner;
import software.amazon.awssdk.http.auth.aws.signer.AwsV4HttpSigner;
import software.amazon.awssdk.http.auth.spi.signer.HttpSigner;
import software.amazon.awssdk.http.nio.netty.NettyNioAsyncHttpClient;
import software.amazon.awssdk.identity.spi.AwsCredentialsIdentity;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.bedrock.BedrockClient;
import software.amazon.awssdk.services.bedrock.model.Tag;
import software.amazon.awssdk.services.bedrockruntime.BedrockRuntimeAsyncClient;
import software.amazon.awssdk.services.bedrockruntime.BedrockRuntimeClient;
import software.amazon.awssdk.services.bedrockruntime.model.AccessDeniedException;
import software.amazon.awssdk.services.bedrockruntime.model.InvokeModelWithResponseStreamRequest;
import software.amazon.awssdk.services.bedrockruntime.model.InvokeModelWithResponseStreamResponseHandler;
import software.amazon.awssdk.services.bedrockruntime.model.PayloadPart;
import software.amazon.awssdk.services.sts.StsClient;
import software.amazon.awssdk.services.sts.model.Credentials;
import software.amazon.awssdk.services.sts.model.StsException;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code auth: sigv4} end to end with the unchanged AWS SDK for Java v2 and keys from the CLI: the sync client and
 * the async HTTP/2 client (streaming), over HTTP and HTTPS; the guide's identity-policy examples (allow one model
 * family, deny a model, tag conditions); and every way a signature can be wrong, each answered with AWS's exact
 * 403 and nothing executed (no invocation reaches the model's counters).
 */
class SigV4SdkEndToEndTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String BODY = "{\"prompt\":\"Hello world\",\"temperature\":0,\"max_gen_len\":6}";
    private static final String MODEL_ARN = "arn:aws:bedrock:us-east-1::foundation-model/" + TestServers.LLAMA_ID;

    /** The guide's "allow a model family" shape: Meta's models only, plus reading the catalogue. */
    private static final String ALICE = """
            {"Version":"2012-10-17","Statement":[
             {"Sid":"MetaModels","Effect":"Allow",
              "Action":["bedrock:InvokeModel","bedrock:InvokeModelWithResponseStream"],
              "Resource":"arn:aws:bedrock:*::foundation-model/meta.*"},
             {"Effect":"Allow","Action":["bedrock:ListFoundationModels","bedrock:GetFoundationModel"],"Resource":"*"}]}""";
    /** Everything, and the guide's DenyInference example on the served model: the deny wins. */
    private static final String BOB = """
            {"Version":"2012-10-17","Statement":[
             {"Effect":"Allow","Action":"bedrock:*","Resource":"*"},
             {"Sid":"DenyInference","Effect":"Deny",
              "Action":["bedrock:InvokeModel","bedrock:InvokeModelWithResponseStream"],
              "Resource":"arn:aws:bedrock:*::foundation-model/meta.llama2-13b-chat-v1"}]}""";
    /** Tag-based access: create only with team=red, read and delete only what is tagged team=red. */
    private static final String CAROL = """
            {"Version":"2012-10-17","Statement":[
             {"Effect":"Allow","Action":"bedrock:CreateProvisionedModelThroughput","Resource":"*",
              "Condition":{"StringEquals":{"aws:RequestTag/team":"red"}}},
             {"Effect":"Allow",
              "Action":["bedrock:GetProvisionedModelThroughput","bedrock:DeleteProvisionedModelThroughput"],
              "Resource":"arn:aws:bedrock:*:*:provisioned-model/*",
              "Condition":{"StringEquals":{"aws:ResourceTag/team":"red"}}}]}""";

    record Key(String id, String secret, String arn) {
        AwsCredentials credentials() {
            return AwsBasicCredentials.create(id, secret);
        }
    }

    @TempDir
    static Path workDir;
    static BedrockService service;
    static Key alice;
    static Key bob;
    static Key carol;
    static Key dave;

    @BeforeAll
    static void start() throws Exception {
        service = TestServers.startTinyLlama(workDir, "auth: sigv4\ntls:\n  port: 0\n", "max_context_tokens: 64\n");
        alice = createKey("alice", ALICE);
        bob = createKey("bob", BOB);
        carol = createKey("carol", CAROL);
        dave = createKey("dave", null);
    }

    @AfterAll
    static void stop() {
        if (service != null) {
            service.close();
        }
    }

    /** {@code bedrock-runtime keys create --config models.yaml --principal NAME [--policy FILE] --json}. */
    private static Key createKey(String principal, String policy) throws Exception {
        List<String> args = new java.util.ArrayList<>(List.of("keys", "create", "--config",
                workDir.resolve("models.yaml").toString(), "--principal", principal, "--json"));
        if (policy != null) {
            Path file = Files.writeString(workDir.resolve(principal + ".json"), policy);
            args.addAll(List.of("--policy", file.toString()));
        }
        String out = cli(args.toArray(String[]::new));
        JsonNode key = JSON.readTree(out);
        assertEquals("arn:aws:iam::000000000000:user/" + principal, key.get("principalArn").asText());
        return new Key(key.get("accessKeyId").asText(), key.get("secretAccessKey").asText(),
                key.get("principalArn").asText());
    }

    private static String cli(String... args) {
        InProcessCli.Run run = InProcessCli.run(args);
        assertEquals(0, run.exit(), () -> String.join(" ", args) + " failed: " + run.err());
        return run.out();
    }

    // --- real clients ----------------------------------------------------------------------------------------------

    private static URI http() {
        return URI.create("http://127.0.0.1:" + service.address().getPort());
    }

    private static URI https() {
        return URI.create("https://localhost:" + service.tlsAddress().getPort());
    }

    private static BedrockRuntimeClient sync(URI endpoint, AwsCredentials credentials) {
        Apache5HttpClient.Builder http = Apache5HttpClient.builder();
        if (endpoint.getScheme().equals("https")) {
            http.tlsTrustManagersProvider(trustingTheCertificate());
        }
        return BedrockRuntimeClient.builder().endpointOverride(endpoint).region(Region.US_EAST_1)
                .credentialsProvider(StaticCredentialsProvider.create(credentials)).httpClient(http.build()).build();
    }

    private static BedrockClient controlPlane(AwsCredentials credentials) {
        return BedrockClient.builder().endpointOverride(http()).region(Region.US_EAST_1)
                .credentialsProvider(StaticCredentialsProvider.create(credentials)).build();
    }

    private static String invoke(BedrockRuntimeClient client) throws Exception {
        return JSON.readTree(client.invokeModel(r -> r.modelId(TestServers.LLAMA_ID).contentType("application/json")
                .body(SdkBytes.fromUtf8String(BODY))).body().asUtf8String()).get("generation").asText();
    }

    private static String stream(URI endpoint, AwsCredentials credentials) throws Exception {
        NettyNioAsyncHttpClient.Builder http = NettyNioAsyncHttpClient.builder().protocol(Protocol.HTTP2);
        if (endpoint.getScheme().equals("https")) {
            http.protocolNegotiation(ProtocolNegotiation.ALPN).tlsTrustManagersProvider(trustingTheCertificate());
        }
        List<String> chunks = new CopyOnWriteArrayList<>();
        try (BedrockRuntimeAsyncClient async = BedrockRuntimeAsyncClient.builder().endpointOverride(endpoint)
                .region(Region.US_EAST_1).credentialsProvider(StaticCredentialsProvider.create(credentials))
                .httpClient(http.build()).build()) {
            async.invokeModelWithResponseStream(InvokeModelWithResponseStreamRequest.builder()
                    .modelId(TestServers.LLAMA_ID).body(SdkBytes.fromUtf8String(BODY)).build(),
                    InvokeModelWithResponseStreamResponseHandler.builder().subscriber(
                            InvokeModelWithResponseStreamResponseHandler.Visitor.builder().onChunk((PayloadPart p) -> {
                                try {
                                    chunks.add(JSON.readTree(p.bytes().asByteArray()).get("generation").asText());
                                } catch (Exception e) {
                                    throw new AssertionError(e);
                                }
                            }).build()).build()).get(60, TimeUnit.SECONDS);
        }
        assertFalse(chunks.isEmpty());
        return String.join("", chunks);
    }

    private static TlsTrustManagersProvider trustingTheCertificate() {
        return TestServers.trusting(workDir.resolve(".local-bedrock/tls/cert.pem"));
    }

    @Test
    void aKeyFromTheCliWorksSyncAndStreamingOverHttpAndHttps() throws Exception {
        String unary;
        try (BedrockRuntimeClient client = sync(http(), alice.credentials())) {
            unary = invoke(client);
        }
        try (BedrockRuntimeClient client = sync(https(), alice.credentials())) {
            assertEquals(unary, invoke(client));
        }
        assertEquals(unary, stream(http(), alice.credentials())); // h2c, prior knowledge
        assertEquals(unary, stream(https(), alice.credentials())); // h2 over ALPN
        try (BedrockClient cp = controlPlane(alice.credentials())) {
            assertTrue(cp.listFoundationModels(r -> { }).modelSummaries().stream()
                    .anyMatch(m -> m.modelId().equals(TestServers.LLAMA_ID)));
        }
    }

    @Test
    void temporaryCredentialsWorkUntilTheyExpire() throws Exception {
        IssuedCredentials session = store(Clock.systemUTC()).issueSessionToken("alice", Duration.ofMinutes(15));
        assertTrue(session.accessKeyId().startsWith("ASIA"));
        AwsSessionCredentials credentials = AwsSessionCredentials.create(session.accessKeyId(),
                session.secretAccessKey(), session.sessionToken());
        String text = eventually(() -> {
            try (BedrockRuntimeClient client = sync(http(), credentials)) {
                return invoke(client);
            }
        });
        assertFalse(text.isEmpty());
        // Issued two hours ago for 15 minutes: the same call is ExpiredTokenException.
        IssuedCredentials old = store(Clock.offset(Clock.systemUTC(), Duration.ofHours(-2)))
                .issueSessionToken("alice", Duration.ofMinutes(15));
        Refusal r = eventuallyRefused(signed(old.accessKeyId(), old.secretAccessKey(), old.sessionToken(),
                Instant.now(), body -> body, UnaryOperator.identity()), "ExpiredTokenException");
        assertEquals("The security token included in the request is expired", r.message);
    }

    @Test
    void stsGetSessionTokenTurnsAKeyIntoTemporaryCredentials() throws Exception {
        try (StsClient sts = StsClient.builder().endpointOverride(http()).region(Region.US_EAST_1)
                .credentialsProvider(StaticCredentialsProvider.create(alice.credentials())).build()) {
            Credentials issued = sts.getSessionToken(r -> r.durationSeconds(900)).credentials();
            assertTrue(issued.accessKeyId().startsWith("ASIA"));
            assertTrue(issued.expiration().isAfter(Instant.now().plusSeconds(800)));
            AwsSessionCredentials session = AwsSessionCredentials.create(issued.accessKeyId(),
                    issued.secretAccessKey(), issued.sessionToken());
            String text = eventually(() -> {
                try (BedrockRuntimeClient client = sync(http(), session)) {
                    return invoke(client);
                }
            });
            assertFalse(text.isEmpty());
            // STS's own rules: session credentials cannot make another session; durations within 900–129600 s.
            try (StsClient fromSession = StsClient.builder().endpointOverride(http()).region(Region.US_EAST_1)
                    .credentialsProvider(StaticCredentialsProvider.create(session)).build()) {
                StsException refused = assertThrows(StsException.class, () -> fromSession.getSessionToken());
                assertEquals("AccessDenied", refused.awsErrorDetails().errorCode());
                assertEquals("Cannot call GetSessionToken with session credentials",
                        refused.awsErrorDetails().errorMessage());
            }
            StsException tooShort = assertThrows(StsException.class,
                    () -> sts.getSessionToken(r -> r.durationSeconds(60)));
            assertEquals("ValidationError", tooShort.awsErrorDetails().errorCode());
            assertEquals(400, tooShort.statusCode());
        }
        try (StsClient wrong = StsClient.builder().endpointOverride(http()).region(Region.US_EAST_1)
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create(alice.id,
                        alice.secret + "x"))).build()) {
            StsException refused = assertThrows(StsException.class, () -> wrong.getSessionToken());
            assertEquals("SignatureDoesNotMatch", refused.awsErrorDetails().errorCode());
            assertEquals(403, refused.statusCode());
        }
    }

    private static SecurityStore store(Clock clock) {
        String url = "jdbc:sqlite:" + workDir.resolve(".local-bedrock/state/control-plane.db");
        return new SecurityStore(service.state().security(), SecretSealer.forState(url),
                ProvisionedThroughputService.ACCOUNT, clock);
    }

    // --- the guide's identity-policy examples -----------------------------------------------------------------------

    @Test
    void anExplicitDenyOnTheModelBeatsAnAllowOfEverything() throws Exception {
        double before = invocations();
        try (BedrockRuntimeClient client = sync(http(), bob.credentials())) {
            AccessDeniedException denied = assertThrows(AccessDeniedException.class, () -> invoke(client));
            assertEquals(403, denied.statusCode());
            assertEquals("User: " + bob.arn + " is not authorized to perform: bedrock:InvokeModel on resource: "
                    + MODEL_ARN + " with an explicit deny in an identity-based policy",
                    denied.awsErrorDetails().errorMessage());
        }
        SdkServiceException streamDenied = assertThrows(SdkServiceException.class,
                () -> unwrap(() -> stream(http(), bob.credentials())));
        assertEquals(403, streamDenied.statusCode());
        assertTrue(streamDenied.getMessage().contains("bedrock:InvokeModelWithResponseStream"));
        try (BedrockClient cp = controlPlane(bob.credentials())) { // the allow still covers the rest
            assertFalse(cp.listFoundationModels(r -> { }).modelSummaries().isEmpty());
        }
        assertEquals(before, invocations(), "a denied call must not reach the model");
    }

    @Test
    void noPolicyAllowsNothingAndAFamilyPolicyAllowsOnlyItsActions() throws Exception {
        try (BedrockRuntimeClient client = sync(http(), dave.credentials())) {
            AccessDeniedException denied = assertThrows(AccessDeniedException.class, () -> invoke(client));
            assertEquals("User: " + dave.arn + " is not authorized to perform: bedrock:InvokeModel on resource: "
                    + MODEL_ARN + " because no identity-based policy allows the bedrock:InvokeModel action",
                    denied.awsErrorDetails().errorMessage());
        }
        try (BedrockClient cp = controlPlane(alice.credentials())) {
            var denied = assertThrows(software.amazon.awssdk.services.bedrock.model.AccessDeniedException.class,
                    () -> cp.listProvisionedModelThroughputs(r -> { }));
            assertEquals("User: " + alice.arn + " is not authorized to perform: bedrock:ListProvisionedModelThroughputs"
                    + " because no identity-based policy allows the bedrock:ListProvisionedModelThroughputs action",
                    denied.awsErrorDetails().errorMessage());
        }
    }

    @Test
    void bedrockAgentIsSignedAsBedrockAndAuthorizedByItsOwnActions() {
        java.util.function.Function<Key, software.amazon.awssdk.services.bedrockagent.BedrockAgentClient> agent =
                key -> software.amazon.awssdk.services.bedrockagent.BedrockAgentClient.builder()
                        .endpointOverride(http()).region(Region.US_EAST_1)
                        .credentialsProvider(StaticCredentialsProvider.create(key.credentials())).build();
        try (var asBob = agent.apply(bob); var asAlice = agent.apply(alice)) {
            assertTrue(asBob.listKnowledgeBases(r -> { }).knowledgeBaseSummaries().isEmpty());
            assertThrows(software.amazon.awssdk.services.bedrockagent.model.ResourceNotFoundException.class,
                    () -> asBob.getKnowledgeBase(r -> r.knowledgeBaseId("NOSUCHKB00")));
            var denied = assertThrows(software.amazon.awssdk.services.bedrockagent.model.AccessDeniedException.class,
                    () -> asAlice.getKnowledgeBase(r -> r.knowledgeBaseId("KB12345678")));
            assertEquals("User: " + alice.arn + " is not authorized to perform: bedrock:GetKnowledgeBase on resource:"
                    + " arn:aws:bedrock:us-east-1:000000000000:knowledge-base/KB12345678 because no identity-based"
                    + " policy allows the bedrock:GetKnowledgeBase action", denied.awsErrorDetails().errorMessage());
        }
    }

    @Test
    void tagConditionsDecideCreateAndRead() {
        try (BedrockClient asCarol = controlPlane(carol.credentials());
             BedrockClient asBob = controlPlane(bob.credentials())) {
            String red = asCarol.createProvisionedModelThroughput(r -> r.provisionedModelName("red-pt")
                    .modelId(TestServers.LLAMA_ID).modelUnits(1).tags(tag("team", "red"))).provisionedModelArn();
            var blueRefused = assertThrows(software.amazon.awssdk.services.bedrock.model.AccessDeniedException.class,
                    () -> asCarol.createProvisionedModelThroughput(r -> r.provisionedModelName("blue-by-carol")
                            .modelId(TestServers.LLAMA_ID).modelUnits(1).tags(tag("team", "blue"))));
            assertTrue(blueRefused.awsErrorDetails().errorMessage()
                    .contains("bedrock:CreateProvisionedModelThroughput"));
            String blue = asBob.createProvisionedModelThroughput(r -> r.provisionedModelName("blue-pt")
                    .modelId(TestServers.LLAMA_ID).modelUnits(1).tags(tag("team", "blue"))).provisionedModelArn();
            assertEquals("red-pt", asCarol.getProvisionedModelThroughput(r -> r.provisionedModelId(red))
                    .provisionedModelName());
            var readRefused = assertThrows(software.amazon.awssdk.services.bedrock.model.AccessDeniedException.class,
                    () -> asCarol.getProvisionedModelThroughput(r -> r.provisionedModelId(blue)));
            assertEquals("User: " + carol.arn + " is not authorized to perform: bedrock:GetProvisionedModelThroughput"
                    + " on resource: " + blue + " because no identity-based policy allows the"
                    + " bedrock:GetProvisionedModelThroughput action", readRefused.awsErrorDetails().errorMessage());
            // By name, the resource is still the model's ARN, so the same condition decides.
            assertThrows(software.amazon.awssdk.services.bedrock.model.AccessDeniedException.class,
                    () -> asCarol.getProvisionedModelThroughput(r -> r.provisionedModelId("blue-pt")));
            assertTrue(asBob.listProvisionedModelThroughputs(r -> { }).provisionedModelSummaries().stream()
                    .noneMatch(s -> s.provisionedModelName().equals("blue-by-carol")), "the refused create ran");
            asCarol.deleteProvisionedModelThroughput(r -> r.provisionedModelId(red));
            asBob.deleteProvisionedModelThroughput(r -> r.provisionedModelId(blue));
        }
    }

    @Test
    void theAccessCommandSignsWithTheCallersCredentials() {
        String endpoint = http().toString();
        try {
            System.setProperty("aws.accessKeyId", bob.id);
            System.setProperty("aws.secretAccessKey", bob.secret);
            assertTrue(cli("access", "list", "--endpoint", endpoint).contains(TestServers.LLAMA_ID));
            System.setProperty("aws.accessKeyId", dave.id);
            System.setProperty("aws.secretAccessKey", dave.secret);
            InProcessCli.Run denied = InProcessCli.run("access", "list", "--endpoint", endpoint);
            assertEquals(1, denied.exit());
            assertTrue(denied.err().contains("403 AccessDeniedException"), denied.err());
            assertTrue(denied.err().contains("bedrock:GetFoundationModelAvailability"), denied.err());
        } finally {
            System.clearProperty("aws.accessKeyId");
            System.clearProperty("aws.secretAccessKey");
        }
    }

    @Test
    void theJobsCommandSignsWithTheCallersCredentials() {
        String endpoint = http().toString();
        // An ARN in the path (its ':' and '/' percent-encoded): the signature still matches, so the answer is 404.
        String arn = "arn:aws:bedrock:us-east-1:000000000000:model-customization-job/" + TestServers.LLAMA_ID
                + "/abcdefghijkl";
        try {
            System.setProperty("aws.accessKeyId", bob.id);
            System.setProperty("aws.secretAccessKey", bob.secret);
            InProcessCli.Run missing = InProcessCli.run("jobs", "watch", arn, "--endpoint", endpoint);
            assertEquals(4, missing.exit(), missing.err());
            assertTrue(missing.err().contains("404 ResourceNotFoundException"), missing.err());
            assertTrue(cli("jobs", "list", "--endpoint", endpoint).startsWith("NAME"));
            System.setProperty("aws.accessKeyId", dave.id);
            System.setProperty("aws.secretAccessKey", dave.secret);
            InProcessCli.Run denied = InProcessCli.run("jobs", "list", "--endpoint", endpoint);
            assertEquals(4, denied.exit());
            assertTrue(denied.err().contains("403 AccessDeniedException")
                    && denied.err().contains("bedrock:ListModelCustomizationJobs"), denied.err());
        } finally {
            System.clearProperty("aws.accessKeyId");
            System.clearProperty("aws.secretAccessKey");
        }
    }

    @Test
    void theAuditTrailNamesTheCallerAllowedOrDenied() throws Exception {
        String allowedId;
        String deniedId;
        try (BedrockRuntimeClient client = sync(http(), alice.credentials())) {
            allowedId = client.invokeModel(r -> r.modelId(TestServers.LLAMA_ID).contentType("application/json")
                    .body(SdkBytes.fromUtf8String(BODY))).responseMetadata().requestId();
        }
        try (BedrockRuntimeClient client = sync(http(), dave.credentials())) {
            deniedId = assertThrows(AccessDeniedException.class, () -> invoke(client)).requestId();
        }
        JsonNode allowed = auditEvent(allowedId);
        assertEquals("IAMUser", allowed.at("/userIdentity/type").asText());
        assertEquals(alice.arn, allowed.at("/userIdentity/arn").asText());
        assertEquals(alice.id, allowed.at("/userIdentity/accessKeyId").asText());
        assertEquals("alice", allowed.at("/userIdentity/userName").asText());
        assertTrue(allowed.at("/additionalEventData/authorization").asText().contains("MetaModels"),
                allowed.toString());
        JsonNode denied = auditEvent(deniedId);
        assertEquals("AccessDeniedException", denied.get("errorCode").asText());
        assertEquals(dave.arn, denied.at("/userIdentity/arn").asText(), "a denied call is recorded under its caller");
        assertFalse(denied.toString().contains(dave.secret));
    }

    /** The audit event of {@code requestId}, once the trail's writer has flushed it. */
    private static JsonNode auditEvent(String requestId) throws Exception {
        Path dir = workDir.resolve(".local-bedrock/audit");
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (System.nanoTime() < deadline) {
            if (Files.isDirectory(dir)) {
                try (var files = Files.list(dir)) {
                    for (Path f : files.toList()) {
                        for (String line : Files.readAllLines(f)) {
                            if (line.contains(requestId) && line.endsWith("}")) { // not a line still being written
                                JsonNode event = JSON.readTree(line);
                                if (requestId.equals(event.path("requestID").asText())) {
                                    return event;
                                }
                            }
                        }
                    }
                }
            }
            Thread.sleep(100);
        }
        throw new AssertionError("no audit event for " + requestId);
    }

    private static Tag tag(String key, String value) {
        return Tag.builder().key(key).value(value).build();
    }

    // --- signatures that must not pass -----------------------------------------------------------------------------

    @Test
    void everyBadSignatureIsAwsExact403AndRunsNothing() throws Exception {
        double before = invocations();
        Instant now = Instant.now();
        assertRefused(signed(alice.id, alice.secret + "x", null, now, b -> b, UnaryOperator.identity()),
                "InvalidSignatureException", INVALID_SIGNATURE);
        // Signed, then changed in flight: a byte of the body, a signed header.
        // (The signer declared the body's hash in x-amz-content-sha256, so the body is caught by that header.)
        assertRefused(signed(alice.id, alice.secret, null, now, b -> b.replace("Hello", "Jello"),
                UnaryOperator.identity()), "InvalidSignatureException",
                "The provided 'x-amz-content-sha256' header does not match what was computed.");
        assertRefused(signed(alice.id, alice.secret, null, now, b -> b,
                h -> h.replace("application/json", "application/json; charset=utf-8")),
                "InvalidSignatureException", INVALID_SIGNATURE);
        // A request replayed 20 minutes after it was signed.
        Refusal replay = assertRefused(signed(alice.id, alice.secret, null, now.minus(Duration.ofMinutes(20)),
                b -> b, UnaryOperator.identity()), "InvalidSignatureException", null);
        assertTrue(replay.message.startsWith("Signature expired: "), replay.message);
        assertTrue(replay.message.endsWith(" - 15 min.)"), replay.message);
        assertRefused(signed("AKIAUNKNOWNUNKNOWN00", alice.secret, null, now, b -> b, UnaryOperator.identity()),
                "UnrecognizedClientException", "The security token included in the request is invalid.");
        Refusal unsigned = send(HttpRequest.newBuilder(http().resolve(invokePath())).header("Content-Type",
                "application/json").POST(HttpRequest.BodyPublishers.ofString(BODY)));
        assertEquals(403, unsigned.status);
        assertEquals("MissingAuthenticationTokenException", unsigned.type);
        assertEquals(before, invocations(), "a refused call must not reach the model");
    }

    /**
     * Hostile signatures through the whole server, HTTP/1.1 and HTTP/2: a valid request's signing headers cut,
     * spliced, swapped for noise or blown up to kilobytes. Every answer is an AWS-shaped 4xx, none a 5xx or a hang,
     * nothing reaches the model, and a valid request is served afterwards.
     */
    @Test
    void hostileSignatureHeadersAreAlways4xxOverBothProtocols() throws Exception {
        double before = invocations();
        java.util.Random random = new java.util.Random(18);
        String[] noise = {"AWS4-HMAC-SHA256 ", "Credential=", alice.id, "/20250314/us-east-1/bedrock/aws4_request",
                ", SignedHeaders=", "host;x-amz-date", ", Signature=", "ab12", "=", ",", ";", "/", " ", "Bearer x",
                "AWS4-ECDSA-P256-SHA256", "20261207T000000Z", "99999999T999999Z", "%00", "\u00e9", "A".repeat(3000)};
        HttpClient h1 = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        HttpClient h2 = HttpClient.newBuilder().version(HttpClient.Version.HTTP_2).build();
        h2.send(HttpRequest.newBuilder(http().resolve("/ping")).build(), HttpResponse.BodyHandlers.discarding());
        for (int i = 0; i < 200; i++) {
            HttpRequest.Builder valid = signed(alice.id, alice.secret, null, Instant.now(), b -> b,
                    UnaryOperator.identity());
            HttpRequest template = valid.build();
            HttpRequest.Builder hostile = HttpRequest.newBuilder(template.uri()).POST(
                    HttpRequest.BodyPublishers.ofString(BODY)).timeout(Duration.ofSeconds(30));
            String target = List.of("Authorization", "X-Amz-Date", "X-Amz-Security-Token", "x-amz-content-sha256")
                    .get(random.nextInt(4));
            template.headers().map().forEach((name, values) -> {
                if (!name.equalsIgnoreCase(target)) {
                    values.forEach(v -> hostile.header(name, v));
                }
            });
            boolean present = template.headers().firstValue(target).isPresent();
            if (!present || random.nextInt(6) != 0) { // else: a header the signature covers is simply missing
                String original = template.headers().firstValue(target).orElse("");
                StringBuilder v = new StringBuilder(original.substring(0, random.nextInt(original.length() + 1)));
                for (int k = random.nextInt(6); k > 0; k--) {
                    v.append(noise[random.nextInt(noise.length)]);
                }
                String value = v.toString().strip();
                hostile.header(target, value.isEmpty() || value.equals(original) ? value + "x" : value);
            }
            HttpResponse<String> r = (i % 2 == 0 ? h1 : h2).send(hostile.build(), HttpResponse.BodyHandlers.ofString());
            int status = r.statusCode();
            assertTrue(status >= 400 && status < 500, () -> "status " + status + " for hostile " + target + ": "
                    + r.body());
            assertTrue(r.headers().firstValue("x-amzn-ErrorType").isPresent(), () -> "no error type: " + r.body());
        }
        assertEquals(before, invocations(), "a refused call must not reach the model");
        try (BedrockRuntimeClient client = sync(http(), alice.credentials())) {
            assertFalse(invoke(client).isEmpty());
        }
    }

    @Test
    void aDisabledKeyIsRefusedWithinSecondsAndWorksAgainOnceEnabled() throws Exception {
        Key erin = createKey("erin", ALICE);
        try (BedrockRuntimeClient client = sync(http(), erin.credentials())) {
            eventually(() -> invoke(client));
            cli("keys", "disable", erin.id, "--config", workDir.resolve("models.yaml").toString());
            eventuallyRefused(signed(erin.id, erin.secret, null, Instant.now(), b -> b, UnaryOperator.identity()),
                    "UnrecognizedClientException");
            cli("keys", "enable", erin.id, "--config", workDir.resolve("models.yaml").toString());
            assertFalse(eventually(() -> invoke(client)).isEmpty());
        }
    }

    private static final String INVALID_SIGNATURE = "The request signature we calculated does not match the signature"
            + " you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation"
            + " for details.";

    private static String invokePath() {
        return "/model/" + TestServers.LLAMA_ID + "/invoke";
    }

    /**
     * An InvokeModel request signed by the SDK's own signer at {@code at}; {@code body} and {@code contentType} change
     * what is sent after signing (the signature covers the original).
     */
    private static HttpRequest.Builder signed(String keyId, String secret, String token, Instant at,
                                              UnaryOperator<String> body, UnaryOperator<String> contentType) {
        URI uri = http().resolve(invokePath());
        SdkHttpRequest request = SdkHttpRequest.builder().method(SdkHttpMethod.POST).uri(uri)
                .putHeader("Content-Type", "application/json").build();
        AwsCredentialsIdentity identity = token == null ? AwsCredentialsIdentity.create(keyId, secret)
                : software.amazon.awssdk.identity.spi.AwsSessionCredentialsIdentity.create(keyId, secret, token);
        SdkHttpRequest signedRequest = AwsV4HttpSigner.create().sign(r -> r.identity(identity).request(request)
                .payload(ContentStreamProvider.fromUtf8String(BODY))
                .putProperty(AwsV4FamilyHttpSigner.SERVICE_SIGNING_NAME, "bedrock")
                .putProperty(AwsV4HttpSigner.REGION_NAME, "us-east-1")
                .putProperty(HttpSigner.SIGNING_CLOCK, Clock.fixed(at, ZoneOffset.UTC))).request();
        HttpRequest.Builder b = HttpRequest.newBuilder(uri).POST(HttpRequest.BodyPublishers.ofString(body.apply(BODY)));
        Set<String> restricted = Set.of("host", "content-length");
        signedRequest.forEachHeader((name, values) -> {
            if (!restricted.contains(name.toLowerCase())) {
                for (String v : values) {
                    b.header(name, name.equalsIgnoreCase("Content-Type") ? contentType.apply(v) : v);
                }
            }
        });
        return b;
    }

    record Refusal(int status, String type, String message) {
    }

    private static Refusal send(HttpRequest.Builder request) throws Exception {
        HttpResponse<String> r = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build()
                .send(request.build(), HttpResponse.BodyHandlers.ofString());
        String message = r.body().isEmpty() ? null : JSON.readTree(r.body()).path("message").asText(null);
        return new Refusal(r.statusCode(), r.headers().firstValue("x-amzn-ErrorType").orElse(null), message);
    }

    private static Refusal assertRefused(HttpRequest.Builder request, String type, String message) throws Exception {
        Refusal r = send(request);
        assertEquals(403, r.status, () -> "refusal " + r);
        assertEquals(type, r.type, () -> "refusal " + r);
        if (message != null) {
            assertEquals(message, r.message);
        }
        return r;
    }

    /** The server sees CLI changes within its one-second poll: retry for a few seconds. */
    private static Refusal eventuallyRefused(HttpRequest.Builder request, String type) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        Refusal last;
        do {
            last = send(request);
            if (last.status == 403 && type.equals(last.type)) {
                return last;
            }
            Thread.sleep(200);
        } while (System.nanoTime() < deadline);
        throw new AssertionError("never refused with " + type + ": last " + last);
    }

    interface Call<T> {
        T run() throws Exception;
    }

    private static <T> T eventually(Call<T> call) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (true) {
            try {
                return call.run();
            } catch (SdkServiceException e) {
                if (System.nanoTime() > deadline || e.statusCode() != 403) {
                    throw e;
                }
                Thread.sleep(200);
            }
        }
    }

    private static <T> T unwrap(Call<T> call) throws Throwable {
        try {
            return call.run();
        } catch (java.util.concurrent.ExecutionException e) {
            throw e.getCause();
        }
    }

    /** The model's Invocations counter on /metrics (unauthenticated, like a Prometheus scrape). */
    private static double invocations() throws Exception {
        String text = HttpClient.newHttpClient().send(HttpRequest.newBuilder(http().resolve("/metrics")).build(),
                HttpResponse.BodyHandlers.ofString()).body();
        Matcher m = Pattern.compile("^bedrock_invocations_total\\{model_id=\"" + Pattern.quote(TestServers.LLAMA_ID)
                + "\"} (\\S+)$", Pattern.MULTILINE).matcher(text);
        assertTrue(m.find(), "no invocation counter on /metrics");
        return Double.parseDouble(m.group(1));
    }
}
