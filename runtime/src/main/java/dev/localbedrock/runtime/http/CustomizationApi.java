package dev.localbedrock.runtime.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.localbedrock.codecs.BedrockException;
import dev.localbedrock.codecs.Json;
import dev.localbedrock.codecs.RequestBodyReader;
import dev.localbedrock.runtime.controlplane.TaggingService;
import dev.localbedrock.runtime.customization.CreateJobRequest;
import dev.localbedrock.runtime.customization.CustomModel;
import dev.localbedrock.runtime.customization.CustomizationJob;
import dev.localbedrock.runtime.customization.ModelCustomizationService;
import dev.localbedrock.runtime.customization.TrainingProgress;

import java.time.Instant;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.function.Predicate;

/**
 * Model customization on the wire: Create/Get/List/Stop ModelCustomizationJob and List/Get/Delete CustomModel, bodies
 * and query parameters as the {@code bedrock} service model has them (timestamps ISO-8601, hyperparameters as
 * strings, {@code validationMetrics[].validationLoss} — the SDKs' name; the guide's prose says validatorLoss).
 * GetModelCustomizationJob also carries a {@code progress} member while a job trains (step, epoch, loss, tokens/s,
 * ETA), which AWS SDKs ignore as an unknown member and {@code bedrock-runtime jobs watch} draws.
 */
final class CustomizationApi {
    private static final Set<String> CREATE_KEYS = Set.of("jobName", "customModelName", "roleArn",
            "clientRequestToken", "baseModelIdentifier", "customizationType", "customModelKmsKeyId", "jobTags",
            "customModelTags", "trainingDataConfig", "validationDataConfig", "outputDataConfig", "hyperParameters",
            "vpcConfig");
    private static final List<String> STATUSES = List.of("InProgress", "Completed", "Failed", "Stopping", "Stopped");

    private CustomizationApi() {
    }

    static ObjectNode create(ModelCustomizationService service, byte[] body) {
        RequestBodyReader reader = RequestBodyReader.parse(body, CREATE_KEYS);
        String jobName = reader.requiredString("jobName");
        String modelName = reader.requiredString("customModelName");
        String roleArn = reader.requiredString("roleArn");
        String token = reader.optionalString("clientRequestToken", 256);
        String base = reader.requiredString("baseModelIdentifier");
        String type = reader.oneOf("customizationType", List.of("FINE_TUNING", "CONTINUED_PRE_TRAINING"),
                "FINE_TUNING");
        String kms = reader.optionalString("customModelKmsKeyId", 2048);
        if (!reader.has("trainingDataConfig")) {
            reader.requiredString("trainingDataConfig");
        }
        if (!reader.has("outputDataConfig")) {
            reader.requiredString("outputDataConfig");
        }
        if (!reader.has("hyperParameters")) {
            reader.requiredString("hyperParameters");
        }
        String training = reader.object("trainingDataConfig", Set.of("s3Uri")).requiredString("s3Uri");
        String output = reader.object("outputDataConfig", Set.of("s3Uri")).requiredString("s3Uri");
        reader.object("vpcConfig", Set.of("subnetIds", "securityGroupIds")); // accepted: training is local
        JsonNode root = TagBodies.object(body, null);
        String validation = validator(root.get("validationDataConfig"), reader);
        Map<String, String> hyper = stringMap(root.get("hyperParameters"), "hyperParameters", reader);
        reader.validate();
        Map<String, String> jobTags = TagBodies.tags(root.get("jobTags"), false);
        Map<String, String> modelTags = TagBodies.tags(root.get("customModelTags"), false);
        TaggingService.checkAll(jobTags);
        TaggingService.checkAll(modelTags);
        CustomizationJob job = service.create(new CreateJobRequest(jobName, modelName, roleArn, base, type, hyper,
                training, validation, output, kms, jobTags, modelTags, token));
        ObjectNode answer = Json.MAPPER.createObjectNode();
        answer.put("jobArn", job.jobArn());
        return answer;
    }

    /** The one validator's s3Uri (this server takes one validation dataset), or null without validationDataConfig. */
    private static String validator(JsonNode config, RequestBodyReader reader) {
        if (config == null || config.isNull()) {
            return null;
        }
        JsonNode validators = config.isObject() ? config.get("validators") : null;
        if (validators == null || !validators.isArray() || validators.isEmpty()) {
            reader.reject("validationDataConfig/validators", "expected a list of one {\"s3Uri\": ...} validator");
            return null;
        }
        if (validators.size() > 1) {
            reader.reject("validationDataConfig/validators", "expected maxItems: 1, actual: " + validators.size()
                    + " (this server validates against one dataset)");
            return null;
        }
        JsonNode uri = validators.get(0).path("s3Uri");
        if (!uri.isTextual() || uri.textValue().isEmpty()) {
            reader.reject("validationDataConfig/validators/0/s3Uri", "required string not found");
            return null;
        }
        return uri.textValue();
    }

    private static Map<String, String> stringMap(JsonNode node, String key, RequestBodyReader reader) {
        Map<String, String> values = new LinkedHashMap<>();
        if (node == null || node.isNull()) {
            return values;
        }
        if (!node.isObject()) {
            reader.reject(key, "expected type: JSONObject of strings");
            return values;
        }
        for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            if (!e.getValue().isTextual()) {
                reader.reject(key + "/" + e.getKey(), "expected type: String (hyperparameters are strings, such as"
                        + " \"2\"), found: " + e.getValue().getNodeType());
            } else {
                values.put(e.getKey(), e.getValue().textValue());
            }
        }
        return values;
    }

    static ObjectNode get(ModelCustomizationService service, String identifier) {
        CustomizationJob job = service.get(identifier);
        ObjectNode n = Json.MAPPER.createObjectNode();
        n.put("jobArn", job.jobArn());
        n.put("jobName", job.jobName());
        n.put("outputModelName", job.outputModelName());
        if (job.outputModelArn() != null) {
            n.put("outputModelArn", job.outputModelArn());
        }
        if (job.clientRequestToken() != null) {
            n.put("clientRequestToken", job.clientRequestToken());
        }
        n.put("roleArn", job.roleArn());
        n.put("status", job.status().name());
        if (job.failureMessage() != null) {
            n.put("failureMessage", job.failureMessage());
        }
        n.put("creationTime", job.creationTime().toString());
        n.put("lastModifiedTime", job.lastModifiedTime().toString());
        if (job.endTime() != null) {
            n.put("endTime", job.endTime().toString());
        }
        n.put("baseModelArn", job.baseModelArn());
        n.put("customizationType", "FINE_TUNING");
        if (job.kmsKeyId() != null) {
            n.put("outputModelKmsKeyArn", job.kmsKeyId());
        }
        describeTraining(n, job);
        TrainingProgress progress = service.progress(job.jobArn());
        if (progress != null) {
            progress.toJson(n.putObject("progress"));
        }
        return n;
    }

    /** The members a job and its custom model both report: hyperparameters, data and metrics. */
    private static void describeTraining(ObjectNode n, CustomizationJob job) {
        ObjectNode h = n.putObject("hyperParameters");
        new java.util.TreeMap<>(job.hyperParameters().asStrings()).forEach(h::put);
        n.putObject("trainingDataConfig").put("s3Uri", job.trainingS3Uri());
        ObjectNode validation = n.putObject("validationDataConfig");
        ArrayNode validators = validation.putArray("validators");
        if (job.validationS3Uri() != null) {
            validators.addObject().put("s3Uri", job.validationS3Uri());
        }
        n.putObject("outputDataConfig").put("s3Uri", job.outputS3Uri());
        if (job.trainingLoss() != null) {
            n.putObject("trainingMetrics").put("trainingLoss", job.trainingLoss().floatValue());
        }
        if (!job.validationLosses().isEmpty()) {
            ArrayNode metrics = n.putArray("validationMetrics");
            job.validationLosses().forEach(l -> metrics.addObject().put("validationLoss", l.floatValue()));
        }
    }

    static ObjectNode list(ModelCustomizationService service, Map<String, List<String>> query) {
        String status = ListQuery.oneOf(query, "statusEquals", STATUSES);
        String nameContains = ListQuery.single(query, "nameContains");
        Instant after = ListQuery.instant(query, "creationTimeAfter");
        Instant before = ListQuery.instant(query, "creationTimeBefore");
        Predicate<CustomizationJob> keep = j -> (status == null || j.status().name().equals(status))
                && (nameContains == null || j.jobName().contains(nameContains))
                && (after == null || j.creationTime().isAfter(after))
                && (before == null || j.creationTime().isBefore(before));
        return ListQuery.page(query, service.jobs(), keep, "modelCustomizationJobSummaries", j -> {
            ObjectNode s = Json.MAPPER.createObjectNode();
            s.put("jobArn", j.jobArn());
            s.put("baseModelArn", j.baseModelArn());
            s.put("jobName", j.jobName());
            s.put("status", j.status().name());
            s.put("lastModifiedTime", j.lastModifiedTime().toString());
            s.put("creationTime", j.creationTime().toString());
            if (j.endTime() != null) {
                s.put("endTime", j.endTime().toString());
            }
            if (j.outputModelArn() != null) {
                s.put("customModelArn", j.outputModelArn());
            }
            s.put("customModelName", j.outputModelName());
            s.put("customizationType", "FINE_TUNING");
            return s;
        });
    }

    static ObjectNode stop(ModelCustomizationService service, String identifier) {
        service.stop(identifier);
        return Json.MAPPER.createObjectNode();
    }

    static ObjectNode listModels(ModelCustomizationService service, Map<String, List<String>> query,
                                 Function<String, String> foundationArnOf) {
        String nameContains = ListQuery.single(query, "nameContains");
        String baseArn = ListQuery.single(query, "baseModelArnEquals");
        String foundationArn = ListQuery.single(query, "foundationModelArnEquals");
        Instant after = ListQuery.instant(query, "creationTimeAfter");
        Instant before = ListQuery.instant(query, "creationTimeBefore");
        Predicate<CustomModel> keep = m -> (nameContains == null || m.name().contains(nameContains))
                && (baseArn == null || m.job().baseModelArn().equals(baseArn))
                && (foundationArn == null || foundationArnOf.apply(m.arn()).equals(foundationArn))
                && (after == null || m.creationTime().isAfter(after))
                && (before == null || m.creationTime().isBefore(before));
        return ListQuery.page(query, service.models(), keep, "modelSummaries", m -> {
            ObjectNode s = Json.MAPPER.createObjectNode();
            s.put("modelArn", m.arn());
            s.put("modelName", m.name());
            s.put("creationTime", m.creationTime().toString());
            s.put("baseModelArn", m.job().baseModelArn());
            s.put("baseModelName", m.job().baseModelArn().substring(m.job().baseModelArn().lastIndexOf('/') + 1));
            s.put("customizationType", "FINE_TUNING");
            return s;
        });
    }

    static ObjectNode getModel(ModelCustomizationService service, String identifier) {
        CustomModel m = service.model(identifier);
        ObjectNode n = Json.MAPPER.createObjectNode();
        n.put("modelArn", m.arn());
        n.put("modelName", m.name());
        n.put("jobName", m.job().jobName());
        n.put("jobArn", m.job().jobArn());
        n.put("baseModelArn", m.job().baseModelArn());
        n.put("customizationType", "FINE_TUNING");
        if (m.job().kmsKeyId() != null) {
            n.put("modelKmsKeyArn", m.job().kmsKeyId());
        }
        describeTraining(n, m.job());
        n.put("creationTime", m.creationTime().toString());
        return n;
    }

    static ObjectNode deleteModel(ModelCustomizationService service, String identifier) {
        service.deleteModel(identifier);
        return Json.MAPPER.createObjectNode();
    }
}
