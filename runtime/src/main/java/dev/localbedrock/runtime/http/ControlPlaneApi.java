package dev.localbedrock.runtime.http;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.localbedrock.codecs.BedrockException;
import dev.localbedrock.codecs.Json;
import dev.localbedrock.runtime.controlplane.FoundationModel;
import dev.localbedrock.runtime.controlplane.FoundationModels;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.QueryStringDecoder;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * The {@code bedrock} control plane on the wire (restJson1, API 2023-04-20): each operation's query and path
 * parameters validated as the service model constrains them, the answer written as the SDKs parse it. The services
 * themselves live in {@code runtime/controlplane}; the router hands every operation of the {@code bedrock} service
 * here, so a further control-plane operation is one table entry and one case below, not a branch in the router.
 * Answers are small and built from memory: this runs on the event loop.
 */
final class ControlPlaneApi {
    private static final Pattern PROVIDER = Pattern.compile("[A-Za-z0-9- ]{1,63}");
    private static final List<String> CUSTOMIZATION_TYPES = List.of("FINE_TUNING", "CONTINUED_PRE_TRAINING");
    private static final List<String> MODALITIES = List.of("TEXT", "IMAGE", "EMBEDDING");
    private static final List<String> INFERENCE_TYPES = List.of("ON_DEMAND", "PROVISIONED");

    private final FoundationModels foundationModels;

    ControlPlaneApi(FoundationModels foundationModels) {
        this.foundationModels = foundationModels;
    }

    /**
     * Answers one {@code bedrock} operation.
     *
     * @throws BedrockException with the AWS error to write (ValidationException, ResourceNotFoundException)
     */
    void handle(ChannelHandlerContext ctx, FullHttpRequest request, ResolvedOperation call, String requestId,
                boolean keepAlive) {
        ObjectNode body;
        if (call.operation().equals(Operation.LIST_FOUNDATION_MODELS)) {
            body = listFoundationModels(new QueryStringDecoder(request.uri()).parameters());
        } else if (call.operation().equals(Operation.GET_FOUNDATION_MODEL)) {
            body = getFoundationModel(call.pathParameter("modelIdentifier"));
        } else {
            throw new IllegalStateException("no control-plane handler for " + call.operation());
        }
        byte[] bytes = body.toString().getBytes(StandardCharsets.UTF_8);
        FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK,
                Unpooled.wrappedBuffer(bytes));
        response.headers().set(HttpHeaderNames.CONTENT_TYPE, AwsResponses.JSON)
                .set(HttpHeaderNames.CONTENT_LENGTH, bytes.length)
                .set(AwsResponses.REQUEST_ID, requestId);
        AwsResponses.send(ctx, response, keepAlive);
    }

    private ObjectNode listFoundationModels(Map<String, List<String>> query) {
        String provider = single(query, "byProvider");
        if (provider != null && !PROVIDER.matcher(provider).matches()) {
            throw BedrockException.validation("1 validation error detected: Value '" + clip(provider)
                    + "' at 'byProvider' failed to satisfy constraint: Member must satisfy regular expression "
                    + "pattern: [A-Za-z0-9- ]{1,63}");
        }
        String customization = oneOf(query, "byCustomizationType", CUSTOMIZATION_TYPES);
        String modality = oneOf(query, "byOutputModality", MODALITIES);
        String inference = oneOf(query, "byInferenceType", INFERENCE_TYPES);
        ObjectNode body = Json.MAPPER.createObjectNode();
        ArrayNode summaries = body.putArray("modelSummaries");
        for (FoundationModel m : foundationModels.list(provider, customization, modality, inference)) {
            summaries.add(describe(m));
        }
        return body;
    }

    private ObjectNode getFoundationModel(String identifier) {
        FoundationModel model = foundationModels.get(identifier).orElseThrow(() -> BedrockException.notFound(
                "The model identifier " + clip(identifier) + " is not found. List the served models with "
                        + "ListFoundationModels."));
        ObjectNode body = Json.MAPPER.createObjectNode();
        body.set("modelDetails", describe(model));
        return body;
    }

    private static ObjectNode describe(FoundationModel m) {
        ObjectNode n = Json.MAPPER.createObjectNode();
        n.put("modelArn", m.modelArn());
        n.put("modelId", m.modelId());
        n.put("modelName", m.modelName());
        n.put("providerName", m.providerName());
        m.inputModalities().forEach(n.putArray("inputModalities")::add);
        m.outputModalities().forEach(n.putArray("outputModalities")::add);
        n.put("responseStreamingSupported", m.responseStreamingSupported());
        m.customizationsSupported().forEach(n.putArray("customizationsSupported")::add);
        m.inferenceTypesSupported().forEach(n.putArray("inferenceTypesSupported")::add);
        n.putObject("modelLifecycle").put("status", m.lifecycleStatus());
        return n;
    }

    /** A query parameter given at most once (repeating one is an error, as the SDKs never do it). */
    private static String single(Map<String, List<String>> query, String name) {
        List<String> values = query.get(name);
        if (values == null || values.isEmpty()) {
            return null;
        }
        if (values.size() > 1) {
            throw BedrockException.validation("The query parameter '" + name + "' is given " + values.size()
                    + " times; give it once.");
        }
        return values.get(0);
    }

    private static String oneOf(Map<String, List<String>> query, String name, List<String> allowed) {
        String value = single(query, name);
        if (value != null && !allowed.contains(value)) {
            throw BedrockException.validation("1 validation error detected: Value '" + clip(value) + "' at '" + name
                    + "' failed to satisfy constraint: Member must satisfy enum value set: " + allowed);
        }
        return value;
    }

    private static String clip(String s) {
        return s.length() <= 200 ? s : s.substring(0, 200) + "...";
    }
}
