package dev.localbedrock.runtime;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.http.Protocol;
import software.amazon.awssdk.http.ProtocolNegotiation;
import software.amazon.awssdk.http.TlsTrustManagersProvider;
import software.amazon.awssdk.http.apache5.Apache5HttpClient;
import software.amazon.awssdk.http.nio.netty.NettyNioAsyncHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.bedrockruntime.BedrockRuntimeAsyncClient;
import software.amazon.awssdk.services.bedrockruntime.BedrockRuntimeClient;
import software.amazon.awssdk.services.bedrockruntime.model.InvokeModelWithResponseStreamRequest;
import software.amazon.awssdk.services.bedrockruntime.model.InvokeModelWithResponseStreamResponseHandler;
import software.amazon.awssdk.services.bedrockruntime.model.PayloadPart;

import javax.net.ssl.SSLHandshakeException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The unchanged AWS SDKs over HTTPS, trusting only the server's generated certificate: the Java SDK's sync client
 * (its default, Apache 5: HTTP/1.1) and its async Netty client on HTTP/2 (ALPN h2) streaming InvokeModelWithResponseStream, and
 * boto3 with {@code verify=cert.pem}. A client that does not trust the certificate is refused.
 */
class TlsSdkEndToEndTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String BODY = "{\"prompt\":\"Hello world\",\"temperature\":0,\"max_gen_len\":8}";

    @TempDir
    static Path workDir;
    static BedrockService service;
    static Path certFile;

    @BeforeAll
    static void start() throws Exception {
        service = TestServers.startTinyLlama(workDir, "tls:\n  port: 0\n", "");
        certFile = workDir.resolve(".local-bedrock/tls/cert.pem");
    }

    @AfterAll
    static void stop() {
        if (service != null) {
            service.close();
        }
    }

    private static URI https() {
        return URI.create("https://localhost:" + service.tlsAddress().getPort());
    }

    private static TlsTrustManagersProvider trustingTheCertificate() {
        return TestServers.trusting(certFile);
    }

    private static StaticCredentialsProvider credentials() {
        return StaticCredentialsProvider.create(AwsBasicCredentials.create("AKIDEXAMPLE", "not-a-secret"));
    }

    private static String invokeSync(TlsTrustManagersProvider trust) throws Exception {
        try (BedrockRuntimeClient sync = BedrockRuntimeClient.builder().endpointOverride(https())
                .region(Region.US_EAST_1).credentialsProvider(credentials())
                .httpClient(Apache5HttpClient.builder().tlsTrustManagersProvider(trust).build()).build()) {
            return JSON.readTree(sync.invokeModel(r -> r.modelId(TestServers.LLAMA_ID)
                    .contentType("application/json").body(SdkBytes.fromUtf8String(BODY))).body().asUtf8String())
                    .get("generation").asText();
        }
    }

    @Test
    void syncAndAsyncHttp2ClientsGetTheSameGenerationOverHttps() throws Exception {
        String unary = invokeSync(trustingTheCertificate());
        // The async client's default (h2 assumed, no ALPN sent: the server tells h2 by its preface), and with ALPN
        // (the client fails unless the server picks h2).
        assertEquals(unary, streamOverHttp2(ProtocolNegotiation.ASSUME_PROTOCOL));
        assertEquals(unary, streamOverHttp2(ProtocolNegotiation.ALPN));
        // The plain port serves the same model as before.
        try (BedrockRuntimeClient plain = TestServers.syncClient(service)) {
            assertEquals(unary, JSON.readTree(plain.invokeModel(r -> r.modelId(TestServers.LLAMA_ID)
                    .contentType("application/json").body(SdkBytes.fromUtf8String(BODY))).body().asUtf8String())
                    .get("generation").asText());
        }
    }

    private static String streamOverHttp2(ProtocolNegotiation negotiation) throws Exception {
        List<String> chunks = new CopyOnWriteArrayList<>();
        try (BedrockRuntimeAsyncClient async = BedrockRuntimeAsyncClient.builder().endpointOverride(https())
                .region(Region.US_EAST_1).credentialsProvider(credentials())
                .httpClient(NettyNioAsyncHttpClient.builder().protocol(Protocol.HTTP2)
                        .protocolNegotiation(negotiation)
                        .tlsTrustManagersProvider(trustingTheCertificate()).build()).build()) {
            InvokeModelWithResponseStreamResponseHandler handler = InvokeModelWithResponseStreamResponseHandler
                    .builder().subscriber(InvokeModelWithResponseStreamResponseHandler.Visitor.builder()
                            .onChunk((PayloadPart part) -> {
                                try {
                                    chunks.add(JSON.readTree(part.bytes().asByteArray()).get("generation").asText());
                                } catch (Exception e) {
                                    throw new AssertionError(e);
                                }
                            }).build()).build();
            async.invokeModelWithResponseStream(InvokeModelWithResponseStreamRequest.builder()
                    .modelId(TestServers.LLAMA_ID).body(SdkBytes.fromUtf8String(BODY)).build(), handler)
                    .get(60, TimeUnit.SECONDS);
        }
        assertFalse(chunks.isEmpty());
        return String.join("", chunks);
    }

    @Test
    void aClientThatDoesNotTrustTheCertificateIsRefused() {
        // The JVM's default trust store knows nothing of a certificate generated on this machine.
        Exception e = assertThrows(Exception.class, () -> invokeSync(null));
        Throwable cause = e;
        while (cause != null && !(cause instanceof SSLHandshakeException)) {
            cause = cause.getCause();
        }
        assertTrue(cause != null, "expected a TLS handshake failure, got " + e);
    }

    @Test
    void boto3VerifiesTheCertificateFile() throws Exception {
        String script = """
                import sys, json, boto3
                from botocore.config import Config
                c = boto3.client("bedrock-runtime", region_name="us-east-1", endpoint_url=sys.argv[1],
                                 verify=sys.argv[2], aws_access_key_id="AKIDEXAMPLE",
                                 aws_secret_access_key="not-a-secret", config=Config(retries={"max_attempts": 1}))
                r = c.invoke_model(modelId=sys.argv[3], body=sys.argv[4], contentType="application/json")
                print(json.loads(r["body"].read())["generation"])
                """;
        Process probe = new ProcessBuilder("python3", "-c",
                "import boto3; boto3.session.Session().get_available_services().index('bedrock-runtime')")
                .redirectErrorStream(true).start();
        Assumptions.assumeTrue(probe.waitFor(60, TimeUnit.SECONDS) && probe.exitValue() == 0,
                "python3 with a boto3 that knows bedrock-runtime");
        Path log = workDir.resolve("boto3.log");
        Process python = new ProcessBuilder("python3", "-c", script, https().toString(), certFile.toString(),
                TestServers.LLAMA_ID, BODY).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        assertTrue(python.waitFor(120, TimeUnit.SECONDS), "boto3 did not finish");
        String output = Files.readString(log, StandardCharsets.UTF_8);
        assertEquals(0, python.exitValue(), output);
        assertEquals(invokeSync(trustingTheCertificate()), output.stripTrailing());
    }
}
