package dev.localbedrock.runtime;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.ThrowableProxyUtil;
import ch.qos.logback.core.read.ListAppender;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.localbedrock.runtime.cli.InProcessCli;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.core.interceptor.Context;
import software.amazon.awssdk.core.interceptor.ExecutionAttributes;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.bedrockruntime.BedrockRuntimeAsyncClient;
import software.amazon.awssdk.services.bedrockruntime.BedrockRuntimeClient;
import software.amazon.awssdk.services.bedrockruntime.model.BedrockRuntimeException;
import software.amazon.awssdk.services.bedrockruntime.model.ContentBlock;
import software.amazon.awssdk.services.bedrockruntime.model.ConversationRole;
import software.amazon.awssdk.services.bedrockruntime.model.InvokeModelWithResponseStreamRequest;
import software.amazon.awssdk.services.bedrockruntime.model.InvokeModelWithResponseStreamResponseHandler;
import software.amazon.awssdk.services.bedrockruntime.model.Message;
import software.amazon.awssdk.services.bedrockruntime.model.PayloadPart;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * No data kept: with {@code auth: sigv4}, invocation logging off (the default) and the server's own loggers at
 * DEBUG, a session of signed calls (InvokeModel, InvokeModelWithResponseStream, Converse, one call with a wrong
 * secret, a key made by the command line) leaves neither the prompt, nor the generated text, nor the key's secret,
 * nor a request's signature in any log line, nor in any byte of any file under the server's directories (state
 * database and its WAL, audit trail, events, certificates, caches), read while the server runs and after it stops.
 */
class NoDataKeptTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern SIGNATURE = Pattern.compile("Signature=([0-9a-f]{64})");

    @TempDir
    Path workDir;
    private final ListAppender<ILoggingEvent> logs = new ListAppender<>();
    private Level ownLevel;

    @BeforeEach
    void captureLogs() {
        Logger root = (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
        Logger own = (Logger) LoggerFactory.getLogger("dev.localbedrock");
        ownLevel = own.getLevel();
        own.setLevel(Level.DEBUG);
        logs.start();
        root.addAppender(logs);
    }

    @AfterEach
    void restoreLogs() {
        ((Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME)).detachAppender(logs);
        ((Logger) LoggerFactory.getLogger("dev.localbedrock")).setLevel(ownLevel);
        logs.stop();
    }

    @Test
    void promptsGenerationsSecretsAndSignaturesAreNeitherLoggedNorStored() throws Exception {
        String marker = "nodatakept" + HexFormat.of().formatHex(UUID.randomUUID().toString().getBytes(), 0, 8);
        Map<String, String> secrets = new LinkedHashMap<>(); // what must not be found, by what it is
        BedrockService service = TestServers.startTinyLlama(workDir, "auth: sigv4\n", "");
        try {
            Path policy = Files.writeString(workDir.resolve("invoke.json"), """
                    {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Resource": "*",
                      "Action": ["bedrock:InvokeModel", "bedrock:InvokeModelWithResponseStream"]}]}""");
            InProcessCli.Run created = InProcessCli.run("keys", "create", "--config",
                    workDir.resolve("models.yaml").toString(), "--principal", "writer", "--policy",
                    policy.toString(), "--json");
            assertEquals(0, created.exit(), created.err());
            JsonNode key = JSON.readTree(created.out());
            String keyId = key.get("accessKeyId").asText();
            String secret = key.get("secretAccessKey").asText();
            secrets.put("the secret access key", secret);

            List<String> signatures = new CopyOnWriteArrayList<>();
            URI endpoint = URI.create("http://127.0.0.1:" + service.address().getPort());
            String prompt = "Write a story about " + marker;
            String body = JSON.writeValueAsString(Map.of("prompt", prompt, "temperature", 0, "max_gen_len", 24));
            secrets.put("the prompt marker", marker);
            secrets.put("the request body, base64", Base64.getEncoder().encodeToString(
                    body.getBytes(StandardCharsets.UTF_8)));
            List<String> generated = new ArrayList<>();
            try (BedrockRuntimeClient sync = BedrockRuntimeClient.builder().endpointOverride(endpoint)
                    .region(Region.US_EAST_1).credentialsProvider(credentials(keyId, secret))
                    .overrideConfiguration(c -> c.addExecutionInterceptor(signatureRecorder(signatures))).build();
                 BedrockRuntimeAsyncClient async = BedrockRuntimeAsyncClient.builder().endpointOverride(endpoint)
                    .region(Region.US_EAST_1).credentialsProvider(credentials(keyId, secret))
                    .overrideConfiguration(c -> c.addExecutionInterceptor(signatureRecorder(signatures))).build();
                 BedrockRuntimeClient forged = BedrockRuntimeClient.builder().endpointOverride(endpoint)
                    .region(Region.US_EAST_1).credentialsProvider(credentials(keyId, "x" + secret.substring(1)))
                    .overrideConfiguration(c -> c.addExecutionInterceptor(signatureRecorder(signatures))
                            .retryStrategy(r -> r.maxAttempts(1))).build()) {
                byte[] unary = sync.invokeModel(r -> r.modelId(TestServers.LLAMA_ID).contentType("application/json")
                        .body(SdkBytes.fromUtf8String(body))).body().asByteArray();
                generated.add(JSON.readTree(unary).get("generation").asText());
                secrets.put("the response body, base64", Base64.getEncoder().encodeToString(unary));

                List<String> chunks = new CopyOnWriteArrayList<>();
                async.invokeModelWithResponseStream(InvokeModelWithResponseStreamRequest.builder()
                        .modelId(TestServers.LLAMA_ID).body(SdkBytes.fromUtf8String(body)).build(),
                        InvokeModelWithResponseStreamResponseHandler.builder().subscriber(
                                InvokeModelWithResponseStreamResponseHandler.Visitor.builder()
                                        .onChunk((PayloadPart part) -> chunks.add(generation(part))).build())
                                .build()).get(60, TimeUnit.SECONDS);
                generated.add(String.join("", chunks));

                generated.add(sync.converse(r -> r.modelId(TestServers.LLAMA_ID)
                        .messages(Message.builder().role(ConversationRole.USER)
                                .content(ContentBlock.fromText("Tell me of " + marker)).build())
                        .inferenceConfig(c -> c.temperature(0f).maxTokens(24)))
                        .output().message().content().get(0).text());

                BedrockRuntimeException refused = assertThrows(BedrockRuntimeException.class, () -> forged.invokeModel(
                        r -> r.modelId(TestServers.LLAMA_ID).body(SdkBytes.fromUtf8String(body))));
                assertEquals(403, refused.statusCode());
                assertEquals("InvalidSignatureException", refused.awsErrorDetails().errorCode());
            }
            for (int i = 0; i < generated.size(); i++) {
                String text = generated.get(i);
                // Shorter texts could turn up by chance; tiny-random-llama's random tokens are never this short.
                assertTrue(text.strip().length() >= 8, "generation " + i + " too short to look for: '" + text + "'");
                secrets.put("generated text #" + i, text);
                secrets.put("generated text #" + i + ", JSON-escaped", jsonEscaped(text));
            }
            assertEquals(4, signatures.size(), "one signature per call: " + signatures);
            for (int i = 0; i < signatures.size(); i++) {
                secrets.put("the signature of call #" + i, signatures.get(i));
            }
            assertNothingFound(secrets, "while the server runs");
        } finally {
            service.close();
        }
        assertNothingFound(secrets, "after it stopped");
        assertTrue(logs.list.stream().anyMatch(e -> e.getLevel() == Level.DEBUG
                && e.getLoggerName().startsWith("dev.localbedrock")), "the server's DEBUG lines were captured");
    }

    private void assertNothingFound(Map<String, String> secrets, String when) throws Exception {
        List<String> found = new ArrayList<>();
        List<ILoggingEvent> events = List.copyOf(logs.list);
        for (ILoggingEvent event : events) {
            String line = event.getLoggerName() + " " + event.getFormattedMessage() + " " + event.getMDCPropertyMap()
                    + (event.getThrowableProxy() == null ? "" : ThrowableProxyUtil.asString(event.getThrowableProxy()));
            secrets.forEach((what, value) -> {
                if (line.contains(value)) {
                    found.add(what + " in the log line: " + line);
                }
            });
        }
        List<Path> files;
        try (Stream<Path> walk = Files.walk(workDir)) {
            files = walk.filter(Files::isRegularFile).toList();
        }
        long bytes = 0;
        for (Path file : files) {
            byte[] content = Files.readAllBytes(file);
            bytes += content.length;
            String text = new String(content, StandardCharsets.ISO_8859_1); // byte for byte
            secrets.forEach((what, value) -> {
                String utf8 = new String(value.getBytes(StandardCharsets.UTF_8), StandardCharsets.ISO_8859_1);
                if (text.contains(utf8)) {
                    found.add(what + " in " + workDir.relativize(file));
                }
            });
        }
        System.out.printf("no data kept, %s: %d log lines, %d files (%d bytes) searched for %d values: %s%n", when,
                events.size(), files.size(), bytes, secrets.size(), files.stream().map(workDir::relativize).toList());
        assertTrue(files.stream().anyMatch(f -> f.getFileName().toString().equals("control-plane.db")),
                "the state database is among the files searched: " + files);
        assertTrue(found.isEmpty(), when + ":\n" + String.join("\n", found));
    }

    private static String generation(PayloadPart part) {
        try {
            return JSON.readTree(part.bytes().asByteArray()).get("generation").asText();
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    private static String jsonEscaped(String text) throws Exception {
        String quoted = JSON.writeValueAsString(text);
        return quoted.substring(1, quoted.length() - 1);
    }

    private static StaticCredentialsProvider credentials(String keyId, String secret) {
        return StaticCredentialsProvider.create(AwsBasicCredentials.create(keyId, secret));
    }

    /** Keeps each request's SigV4 signature, as the client sent it. */
    private static ExecutionInterceptor signatureRecorder(List<String> signatures) {
        return new ExecutionInterceptor() {
            @Override
            public void beforeTransmission(Context.BeforeTransmission context, ExecutionAttributes attributes) {
                context.httpRequest().firstMatchingHeader("Authorization").ifPresent(header -> {
                    Matcher m = SIGNATURE.matcher(header);
                    if (m.find()) {
                        signatures.add(m.group(1));
                    }
                });
            }
        };
    }
}
