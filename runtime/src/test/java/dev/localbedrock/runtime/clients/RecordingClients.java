package dev.localbedrock.runtime.clients;

import dev.localbedrock.runtime.BedrockService;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.core.interceptor.Context;
import software.amazon.awssdk.core.interceptor.ExecutionAttributes;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.bedrockruntime.BedrockRuntimeAsyncClient;
import software.amazon.awssdk.services.bedrockruntime.BedrockRuntimeClient;
import software.amazon.awssdk.services.bedrockruntime.model.InvokeModelRequest;
import software.amazon.awssdk.services.bedrockruntime.model.InvokeModelWithResponseStreamRequest;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * The AWS SDK clients a framework is handed: only an endpoint override, static credentials and a region, as a user
 * would configure them. They record each request body the framework wrote, so a test can send the very same body
 * with a plain client and compare what the framework made of the answer with the answer itself.
 */
final class RecordingClients implements AutoCloseable {
    final BedrockRuntimeClient sync;
    final BedrockRuntimeAsyncClient async;
    /** A client the framework never sees: the oracle's. */
    final BedrockRuntimeClient plain;
    private final List<String> bodies = new CopyOnWriteArrayList<>();

    RecordingClients(BedrockService service) {
        ExecutionInterceptor recorder = new ExecutionInterceptor() {
            @Override
            public void beforeExecution(Context.BeforeExecution context, ExecutionAttributes attributes) {
                if (context.request() instanceof InvokeModelRequest r) {
                    bodies.add(r.body().asUtf8String());
                } else if (context.request() instanceof InvokeModelWithResponseStreamRequest r) {
                    bodies.add(r.body().asUtf8String());
                }
            }
        };
        sync = BedrockRuntimeClient.builder().endpointOverride(ClientTestServer.endpoint(service))
                .region(Region.US_EAST_1).credentialsProvider(credentials())
                .overrideConfiguration(c -> c.addExecutionInterceptor(recorder)).build();
        async = BedrockRuntimeAsyncClient.builder().endpointOverride(ClientTestServer.endpoint(service))
                .region(Region.US_EAST_1).credentialsProvider(credentials())
                .overrideConfiguration(c -> c.addExecutionInterceptor(recorder)).build();
        plain = BedrockRuntimeClient.builder().endpointOverride(ClientTestServer.endpoint(service))
                .region(Region.US_EAST_1).credentialsProvider(credentials()).build();
    }

    static StaticCredentialsProvider credentials() {
        return StaticCredentialsProvider.create(
                AwsBasicCredentials.create(ClientTestServer.ACCESS_KEY, ClientTestServer.SECRET_KEY));
    }

    /** The bodies the framework sent, oldest first; cleared by {@link #clear()}. */
    List<String> bodies() {
        return List.copyOf(bodies);
    }

    void clear() {
        bodies.clear();
    }

    /** The server's own answer to {@code body}, through the plain client. */
    String invokeDirectly(String modelId, String body) {
        return plain.invokeModel(r -> r.modelId(modelId).contentType("application/json").accept("application/json")
                .body(SdkBytes.fromUtf8String(body))).body().asUtf8String();
    }

    @Override
    public void close() {
        sync.close();
        async.close();
        plain.close();
    }
}
