package dev.localbedrock.runtime.http;

import dev.localbedrock.runtime.catalog.CustomModelArn;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.localbedrock.codecs.BedrockException;
import dev.localbedrock.codecs.Json;
import dev.localbedrock.runtime.controlplane.FoundationModel;
import dev.localbedrock.codecs.RequestBodyReader;
import dev.localbedrock.runtime.controlplane.FoundationModels;
import dev.localbedrock.runtime.controlplane.ProvisionedThroughputService;
import dev.localbedrock.runtime.controlplane.TaggingService;
import dev.localbedrock.runtime.customization.ModelCustomizationService;
import dev.localbedrock.runtime.state.ProvisionedModel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.QueryStringDecoder;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The {@code bedrock} control plane on the wire (restJson1, API 2023-04-20): each operation's query and path
 * parameters validated as the service model constrains them, the answer written as the SDKs parse it. The services
 * themselves live in {@code runtime/controlplane}; the router hands every operation of the {@code bedrock} service
 * here, so a further control-plane operation is one entry in {@link #ACTIONS} (and the OperationTable), not a branch.
 * Runs on a decode thread: provisioned throughput reads and writes the durable state.
 */
final class ControlPlaneApi {
    private static final Pattern PROVIDER = Pattern.compile("[A-Za-z0-9- ]{1,63}");
    private static final List<String> CUSTOMIZATION_TYPES = List.of("FINE_TUNING", "CONTINUED_PRE_TRAINING");
    private static final List<String> MODALITIES = List.of("TEXT", "IMAGE", "EMBEDDING");
    private static final List<String> INFERENCE_TYPES = List.of("ON_DEMAND", "PROVISIONED");

    /** What an operation's handler sees of its request. */
    private record Request(String uri, byte[] body, ResolvedOperation call) {
        Map<String, List<String>> query() {
            return new QueryStringDecoder(uri).parameters();
        }
    }

    /** One operation's handler: the answer's JSON body. */
    @FunctionalInterface
    private interface Action {
        ObjectNode run(ControlPlaneApi api, Request request);
    }

    /** Every control-plane operation: a further one is one entry here (and one in the OperationTable). */
    private static final Map<Operation, Action> ACTIONS = Map.ofEntries(
            Map.entry(Operation.LIST_FOUNDATION_MODELS, (api, r) -> api.listFoundationModels(r.query())),
            Map.entry(Operation.GET_FOUNDATION_MODEL, (api, r) -> api.getFoundationModel(
                    r.call().pathParameter("modelIdentifier"))),
            Map.entry(Operation.CREATE_PROVISIONED, (api, r) -> api.createProvisioned(r.body())),
            Map.entry(Operation.GET_PROVISIONED, (api, r) -> api.describe(
                    api.provisioned().get(r.call().pathParameter("provisionedModelId")), true)),
            Map.entry(Operation.LIST_PROVISIONED, (api, r) -> api.listProvisioned(r.query())),
            Map.entry(Operation.UPDATE_PROVISIONED, ControlPlaneApi::updateProvisioned),
            Map.entry(Operation.DELETE_PROVISIONED, ControlPlaneApi::deleteProvisioned),
            Map.entry(Operation.TAG_RESOURCE, ControlPlaneApi::tagResource),
            Map.entry(Operation.UNTAG_RESOURCE, ControlPlaneApi::untagResource),
            Map.entry(Operation.LIST_TAGS, ControlPlaneApi::listTags),
            Map.entry(Operation.PUT_LOGGING, (api, r) -> InvocationLoggingApi.put(api.logging, r.body())),
            Map.entry(Operation.GET_LOGGING, (api, r) -> InvocationLoggingApi.get(api.logging)),
            Map.entry(Operation.DELETE_LOGGING, (api, r) -> InvocationLoggingApi.delete(api.logging)),
            Map.entry(Operation.CREATE_CUSTOMIZATION_JOB, (api, r) -> CustomizationApi.create(api.customization(),
                    r.body())),
            Map.entry(Operation.GET_CUSTOMIZATION_JOB, (api, r) -> CustomizationApi.get(api.customization(),
                    r.call().pathParameter("jobIdentifier"))),
            Map.entry(Operation.LIST_CUSTOMIZATION_JOBS, (api, r) -> CustomizationApi.list(api.customization(),
                    r.query())),
            Map.entry(Operation.STOP_CUSTOMIZATION_JOB, (api, r) -> CustomizationApi.stop(api.customization(),
                    r.call().pathParameter("jobIdentifier"))),
            Map.entry(Operation.LIST_CUSTOM_MODELS, (api, r) -> CustomizationApi.listModels(api.customization(),
                    r.query(), arn -> api.foundationModels.arn(CustomModelArn.foundationId(arn)))),
            Map.entry(Operation.GET_CUSTOM_MODEL, (api, r) -> CustomizationApi.getModel(api.customization(),
                    r.call().pathParameter("modelIdentifier"))),
            Map.entry(Operation.DELETE_CUSTOM_MODEL, (api, r) -> CustomizationApi.deleteModel(api.customization(),
                    r.call().pathParameter("modelIdentifier"))));
    private static final Set<Operation> CREATED = Set.of(Operation.CREATE_PROVISIONED,
            Operation.CREATE_CUSTOMIZATION_JOB);

    private final FoundationModels foundationModels;
    private final ProvisionedThroughputService provisioned;
    private final TaggingService tagging;
    private final dev.localbedrock.runtime.invocationlog.InvocationLoggingService logging;
    private ModelCustomizationService customization;

    ControlPlaneApi(FoundationModels foundationModels, ProvisionedThroughputService provisioned,
                    TaggingService tagging) {
        this(foundationModels, provisioned, tagging, null);
    }

    /** With model customization (jobs and custom models); without it those operations answer not found. */
    ControlPlaneApi customization(ModelCustomizationService service) {
        this.customization = service;
        return this;
    }

    private ModelCustomizationService customization() {
        if (customization == null) {
            throw BedrockException.notFound("Model customization is not offered by this server.");
        }
        return customization;
    }

    ControlPlaneApi(FoundationModels foundationModels, ProvisionedThroughputService provisioned,
                    TaggingService tagging, dev.localbedrock.runtime.invocationlog.InvocationLoggingService logging) {
        this.foundationModels = foundationModels;
        this.provisioned = provisioned;
        this.tagging = tagging;
        this.logging = logging;
    }

    /**
     * Answers one {@code bedrock} operation.
     *
     * @throws BedrockException with the AWS error to write (ValidationException, ResourceNotFoundException)
     */
    void handle(ChannelHandlerContext ctx, String uri, byte[] requestBody, ResolvedOperation call, CallRecord record,
                boolean keepAlive) {
        Action action = ACTIONS.get(call.operation());
        if (action == null) {
            throw new IllegalStateException("no control-plane handler for " + call.operation());
        }
        ObjectNode body = action.run(this, new Request(uri, requestBody, call));
        // Both Create operations answer 201, as the service model says and the SDKs expect.
        HttpResponseStatus status = CREATED.contains(call.operation()) ? HttpResponseStatus.CREATED
                : HttpResponseStatus.OK;
        AwsResponses.send(ctx, record, AwsResponses.json(record.requestId(), status,
                body.toString().getBytes(StandardCharsets.UTF_8)), keepAlive);
    }

    private ObjectNode listFoundationModels(Map<String, List<String>> query) {
        String provider = ListQuery.single(query, "byProvider");
        if (provider != null && !PROVIDER.matcher(provider).matches()) {
            throw BedrockException.validation("1 validation error detected: Value '" + ListQuery.clip(provider)
                    + "' at 'byProvider' failed to satisfy constraint: Member must satisfy regular expression "
                    + "pattern: [A-Za-z0-9- ]{1,63}");
        }
        String customization = ListQuery.oneOf(query, "byCustomizationType", CUSTOMIZATION_TYPES);
        String modality = ListQuery.oneOf(query, "byOutputModality", MODALITIES);
        String inference = ListQuery.oneOf(query, "byInferenceType", INFERENCE_TYPES);
        ObjectNode body = Json.MAPPER.createObjectNode();
        ArrayNode summaries = body.putArray("modelSummaries");
        for (FoundationModel m : foundationModels.list(provider, customization, modality, inference)) {
            summaries.add(describe(m));
        }
        return body;
    }

    private ObjectNode updateProvisioned(Request r) {
        RequestBodyReader reader = RequestBodyReader.parse(r.body(), Set.of("desiredProvisionedModelName",
                "desiredModelId"));
        String name = reader.optionalString("desiredProvisionedModelName", 63);
        String modelId = reader.optionalString("desiredModelId", 2048);
        reader.validate();
        provisioned().update(r.call().pathParameter("provisionedModelId"), name, modelId);
        return Json.MAPPER.createObjectNode();
    }

    private ObjectNode deleteProvisioned(Request r) {
        provisioned().delete(r.call().pathParameter("provisionedModelId"));
        return Json.MAPPER.createObjectNode();
    }

    private ObjectNode tagResource(Request r) {
        JsonNode in = TagBodies.object(r.body(), Set.of("resourceARN", "tags"));
        tagging().tag(TagBodies.arn(in), TagBodies.tags(in.get("tags"), true));
        return Json.MAPPER.createObjectNode();
    }

    private ObjectNode untagResource(Request r) {
        JsonNode in = TagBodies.object(r.body(), Set.of("resourceARN", "tagKeys"));
        tagging().untag(TagBodies.arn(in), TagBodies.keys(in.get("tagKeys")));
        return Json.MAPPER.createObjectNode();
    }

    private ObjectNode listTags(Request r) {
        JsonNode in = TagBodies.object(r.body(), Set.of("resourceARN"));
        ObjectNode body = Json.MAPPER.createObjectNode();
        ArrayNode list = body.putArray("tags");
        tagging().list(TagBodies.arn(in)).forEach((k, v) -> list.addObject().put("key", k).put("value", v));
        return body;
    }

    private TaggingService tagging() {
        if (tagging == null) {
            throw BedrockException.notFound("Tags are not kept by this server.");
        }
        return tagging;
    }

    private ProvisionedThroughputService provisioned() {
        if (provisioned == null) {
            throw BedrockException.notFound("Provisioned throughput is not kept by this server.");
        }
        return provisioned;
    }

    private ObjectNode createProvisioned(byte[] requestBody) {
        RequestBodyReader reader = RequestBodyReader.parse(requestBody, Set.of("clientRequestToken", "modelUnits",
                "provisionedModelName", "modelId", "commitmentDuration", "tags"));
        String token = reader.optionalString("clientRequestToken", 256);
        String name = reader.requiredString("provisionedModelName");
        String modelId = reader.requiredString("modelId");
        if (!reader.has("modelUnits")) {
            reader.requiredString("modelUnits"); // records Bedrock's "required key [modelUnits] not found"
        }
        int units = reader.integer("modelUnits", 1, Integer.MAX_VALUE, 1);
        String commitment = reader.oneOf("commitmentDuration", List.of("OneMonth", "SixMonths"), null);
        reader.validate();
        Map<String, String> tags = TagBodies.tags(TagBodies.object(requestBody, null).get("tags"), false);
        TaggingService.checkAll(tags);
        ProvisionedModel model = provisioned().create(name, modelId, units, commitment, token, tags);
        ObjectNode body = Json.MAPPER.createObjectNode();
        body.put("provisionedModelArn", model.arn());
        return body;
    }

    private ObjectNode listProvisioned(Map<String, List<String>> query) {
        String status = ListQuery.oneOf(query, "statusEquals", List.of("Creating", "InService", "Updating",
                "Failed"));
        String nameContains = ListQuery.single(query, "nameContains");
        String modelArn = ListQuery.single(query, "modelArnEquals");
        java.time.Instant after = ListQuery.instant(query, "creationTimeAfter");
        java.time.Instant before = ListQuery.instant(query, "creationTimeBefore");
        return ListQuery.page(query, provisioned().list(), p -> (status == null || p.status().wire().equals(status))
                        && (nameContains == null || p.name().contains(nameContains))
                        && (modelArn == null || provisioned().foundationArn(p).equals(modelArn)
                        || provisioned().modelArn(p.modelId()).equals(modelArn))
                        && (after == null || p.createdAt().isAfter(after))
                        && (before == null || p.createdAt().isBefore(before)),
                "provisionedModelSummaries", p -> describe(p, false));
    }

    /** A provisioned model as Get (details) or List (summary) describes it; timestamps as ISO-8601 strings. */
    private ObjectNode describe(ProvisionedModel p, boolean details) {
        ObjectNode n = Json.MAPPER.createObjectNode();
        String foundationArn = provisioned().foundationArn(p);
        n.put("provisionedModelName", p.name());
        n.put("provisionedModelArn", p.arn());
        n.put("modelArn", provisioned().modelArn(p.modelId()));
        n.put("desiredModelArn", provisioned().modelArn(p.desiredModelId()));
        n.put("foundationModelArn", foundationArn);
        n.put("modelUnits", p.modelUnits());
        n.put("desiredModelUnits", p.desiredModelUnits());
        n.put("status", p.status().wire());
        if (p.commitmentDuration() != null) {
            n.put("commitmentDuration", p.commitmentDuration());
            n.put("commitmentExpirationTime", p.commitmentExpiration().toString());
        }
        n.put("creationTime", p.createdAt().toString());
        n.put("lastModifiedTime", p.lastModifiedAt().toString());
        if (details && p.failureMessage() != null) {
            n.put("failureMessage", p.failureMessage());
        }
        return n;
    }

    private ObjectNode getFoundationModel(String identifier) {
        FoundationModel model = foundationModels.get(identifier).orElseThrow(() -> BedrockException.notFound(
                "The model identifier " + ListQuery.clip(identifier) + " is not found. List the served models with "
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
}
