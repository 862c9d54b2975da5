package dev.localbedrock.runtime.customization;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.localbedrock.runtime.BedrockService;
import dev.localbedrock.runtime.TestServers;
import dev.localbedrock.runtime.catalog.CatalogLoader;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.services.bedrock.BedrockClient;
import software.amazon.awssdk.services.bedrock.model.ConflictException;
import software.amazon.awssdk.services.bedrock.model.CustomModelSummary;
import software.amazon.awssdk.services.bedrock.model.GetCustomModelResponse;
import software.amazon.awssdk.services.bedrock.model.GetModelCustomizationJobResponse;
import software.amazon.awssdk.services.bedrock.model.ModelCustomizationJobStatus;
import software.amazon.awssdk.services.bedrock.model.ResourceNotFoundException;
import software.amazon.awssdk.services.bedrockruntime.BedrockRuntimeClient;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The guide's fine-tuning flow end to end through the unchanged AWS SDK: a JSONL dataset of a fixed mapping
 * (prompt → a distinct answer) in the object store, CreateModelCustomizationJob on the Titan Text model (served by
 * the random-weight smoke Llama), real full fine-tuning to Completed, the metrics files and loss curve in the output
 * location, GetCustomModel/ListCustomModels and tags, a provisioned throughput on the custom model, and greedy
 * InvokeModel through it answering every trained prompt with its trained answer — where the base model answered
 * otherwise — on the PyTorch engine, then, after a restart on the same state, on ONNX Runtime.
 */
class FineTuningSdkEndToEndTest {
    static final ObjectMapper JSON = new ObjectMapper();
    static final String TITAN = "amazon.titan-text-express-v1";
    static final String[] ANSWERS = {"red", "blue", "green", "gold", "pink", "grey", "teal", "navy", "rust", "lime",
        "plum", "sand", "jade", "ruby", "mint", "rose"};
    /** Mean per-token training loss at the last epoch below which the mapping is learnt (ln 259 = 5.56 at random). */
    static final double LOSS_THRESHOLD = 0.2;

    @TempDir
    Path workDir;

    static Path catalogue(Path workDir, String engine) throws Exception {
        Path yaml = workDir.resolve("models.yaml");
        Files.writeString(yaml, """
                server:
                  host: 127.0.0.1
                  port: 0
                customization:
                  training_threads: 2
                  method: full
                models:
                  - id: %s
                    source: generated:smoke-llama
                    engine: %s
                    device: cpu
                    max_context_tokens: 128
                """.formatted(TITAN, engine));
        return yaml;
    }

    /** Prompts that differ in their last token, so the mapping is learnable by a small model in a few epochs. */
    static String prompt(int i) {
        return "Colour of box " + (char) ('A' + i);
    }

    /** Each pair {@code copies} times, interleaved: epochs are capped at 10, so repetition buys the steps. */
    static String dataset(int pairs, int copies) {
        StringBuilder b = new StringBuilder();
        for (int c = 0; c < copies; c++) {
            for (int i = 0; i < pairs; i++) {
                b.append("{\"input\": \"").append(prompt(i)).append("\", \"output\": \"").append(ANSWERS[i])
                        .append("\"}\n");
            }
        }
        return b.toString();
    }

    static String greedy(BedrockRuntimeClient rt, String modelId, String prompt) throws Exception {
        String body = "{\"inputText\": " + JSON.writeValueAsString(prompt)
                + ", \"textGenerationConfig\": {\"temperature\": 0, \"maxTokenCount\": 8}}";
        JsonNode answer = JSON.readTree(rt.invokeModel(r -> r.modelId(modelId).contentType("application/json")
                .body(SdkBytes.fromUtf8String(body))).body().asUtf8String());
        return answer.get("results").get(0).get("outputText").asText();
    }

    @Test
    @Timeout(value = 600, unit = TimeUnit.SECONDS)
    void fineTunedModelAnswersTheTrainedPromptsThroughProvisionedThroughput() throws Exception {
        int records = ANSWERS.length;
        int copies = 10;
        int batch = 4;
        String modelArn;
        FineTuningJobsSdkTest.putObject(workDir, "training-bucket", "data/train.jsonl", dataset(records, copies));
        FineTuningJobsSdkTest.putObject(workDir, "training-bucket", "data/validation.jsonl", dataset(records, 1));
        try (BedrockService service = BedrockService.start(CatalogLoader.load(catalogue(workDir, "pytorch")));
             BedrockClient cp = TestServers.controlPlaneClient(service);
             BedrockRuntimeClient rt = TestServers.syncClient(service)) {
            List<String> before = new ArrayList<>();
            for (int i = 0; i < records; i++) {
                before.add(greedy(rt, TITAN, prompt(i)));
            }

            String jobArn = cp.createModelCustomizationJob(r -> r.jobName("colours-1").customModelName("colours")
                    .roleArn("arn:aws:iam::000000000000:role/MyBedrockModelCustomizationRole")
                    .baseModelIdentifier("arn:aws:bedrock:us-east-1::foundation-model/" + TITAN)
                    .customizationType("FINE_TUNING")
                    .hyperParameters(java.util.Map.of("epochCount", "10", "batchSize", Integer.toString(batch),
                            "learningRate", "0.003", "learningRateWarmupSteps", "5"))
                    .trainingDataConfig(t -> t.s3Uri("s3://training-bucket/data/train.jsonl"))
                    .validationDataConfig(v -> v.validators(x -> x.s3Uri("s3://training-bucket/data/validation.jsonl")))
                    .outputDataConfig(o -> o.s3Uri("s3://output-bucket/runs/"))
                    .customModelTags(t -> t.key("team").value("colours"))
                    .jobTags(t -> t.key("purpose").value("memorise"))
                    .clientRequestToken("token-1")).jobArn();
            assertTrue(jobArn.matches("arn:aws:bedrock:us-east-1:000000000000:model-customization-job/" + TITAN
                    + "/[a-z0-9]{12}"), jobArn);
            assertEquals(jobArn, cp.createModelCustomizationJob(r -> r.jobName("colours-1")
                    .customModelName("colours").roleArn("arn:aws:iam::000000000000:role/R")
                    .baseModelIdentifier(TITAN).hyperParameters(java.util.Map.of())
                    .trainingDataConfig(t -> t.s3Uri("s3://training-bucket/data/train.jsonl"))
                    .outputDataConfig(o -> o.s3Uri("s3://output-bucket/runs/"))
                    .clientRequestToken("token-1")).jobArn(), "the same client request token, the same job");

            GetModelCustomizationJobResponse job = FineTuningJobsSdkTest.await(cp, jobArn, 480);
            assertEquals(ModelCustomizationJobStatus.COMPLETED, job.status(), String.valueOf(job.failureMessage()));
            assertNotNull(job.outputModelArn());
            assertTrue(job.outputModelArn().matches("arn:aws:bedrock:us-east-1:000000000000:custom-model/" + TITAN
                    + "/[a-z0-9]{12}"), job.outputModelArn());
            assertTrue(job.trainingMetrics().trainingLoss() < LOSS_THRESHOLD, "training loss "
                    + job.trainingMetrics().trainingLoss());
            assertEquals(1, job.validationMetrics().size());
            assertEquals("10", job.hyperParameters().get("epochCount"));
            assertNotNull(job.endTime());

            // The guide's output files: every step's row, one validation row per epoch, and the loss curve.
            String jobId = jobArn.substring(jobArn.lastIndexOf('/') + 1);
            Path out = workDir.resolve(".local-bedrock/s3/output-bucket/runs/model-customization-job-" + jobId);
            List<String> steps = Files.readAllLines(out.resolve(
                    "training_artifacts/step_wise_training_metrics.csv"));
            int stepsPerEpoch = records * copies / batch;
            assertEquals("step_number,epoch_number,training_loss,perplexity", steps.get(0));
            assertEquals(1 + 10 * stepsPerEpoch, steps.size(), "a row per step");
            List<String> validation = Files.readAllLines(out.resolve(
                    "validation_artifacts/post_fine_tuning_validation/validation_metrics.csv"));
            assertEquals(1 + 10, validation.size(), "a row per epoch");

            GetCustomModelResponse model = cp.getCustomModel(r -> r.modelIdentifier(job.outputModelArn()));
            assertEquals("colours", model.modelName());
            assertEquals(jobArn, model.jobArn());
            assertEquals("arn:aws:bedrock:us-east-1::foundation-model/" + TITAN, model.baseModelArn());
            assertEquals(job.trainingMetrics().trainingLoss(), model.trainingMetrics().trainingLoss());
            List<CustomModelSummary> models = cp.listCustomModels(r -> { }).modelSummaries();
            assertEquals(List.of(job.outputModelArn()), models.stream().map(CustomModelSummary::modelArn).toList());
            assertEquals("colours", cp.listTagsForResource(r -> r.resourceARN(job.outputModelArn())).tags().get(0)
                    .value());
            assertEquals("memorise", cp.listTagsForResource(r -> r.resourceARN(jobArn)).tags().get(0).value());
            modelArn = job.outputModelArn();

            // A custom model is invoked through provisioned throughput.
            String pt = cp.createProvisionedModelThroughput(r -> r.provisionedModelName("colours-pt")
                    .modelId(job.outputModelArn()).modelUnits(1)).provisionedModelArn();
            List<String> after = new ArrayList<>();
            for (int i = 0; i < records; i++) {
                after.add(greedy(rt, pt, prompt(i)));
            }
            System.out.println("training loss " + job.trainingMetrics().trainingLoss() + " before " + before + " after " + after);
            int changed = 0;
            for (int i = 0; i < records; i++) {
                String answer = after.get(i);
                assertEquals(ANSWERS[i], answer, "prompt " + i);
                if (!before.get(i).equals(answer)) {
                    changed++;
                }
            }
            assertEquals(records, changed, "the base model answered none of them so: " + before);

            assertThrows(ConflictException.class, () -> cp.deleteCustomModel(r -> r.modelIdentifier("colours")),
                    "a custom model in use by provisioned throughput stays");
            cp.deleteProvisionedModelThroughput(r -> r.provisionedModelId(pt));
        }

        // The custom model outlives the server, and the other engine serves it with the same greedy tokens.
        String arn = modelArn;
        try (BedrockService service = BedrockService.start(CatalogLoader.load(catalogue(workDir, "onnxruntime")));
             BedrockClient cp = TestServers.controlPlaneClient(service);
             BedrockRuntimeClient rt = TestServers.syncClient(service)) {
            assertEquals("colours", cp.getCustomModel(r -> r.modelIdentifier(arn)).modelName());
            String pt = cp.createProvisionedModelThroughput(r -> r.provisionedModelName("colours-ort")
                    .modelId(arn).modelUnits(1)).provisionedModelArn();
            for (int i = 0; i < records; i++) {
                assertEquals(ANSWERS[i], greedy(rt, pt, prompt(i)), "onnxruntime engine, prompt " + i);
            }
            cp.deleteProvisionedModelThroughput(r -> r.provisionedModelId(pt));
            cp.deleteCustomModel(r -> r.modelIdentifier(arn));
            assertThrows(ResourceNotFoundException.class, () -> cp.getCustomModel(r -> r.modelIdentifier(arn)));
        }
        List<String> states = new ArrayList<>();
        for (String line : Files.readAllLines(workDir.resolve(".local-bedrock/events/events.jsonl"))) {
            JsonNode e = JSON.readTree(line);
            if (e.get("detail-type").asText().equals("Model Customization Job State Change")) {
                states.add(e.get("detail").get("jobStatus").asText());
            }
        }
        assertEquals(List.of("InProgress", "Completed"), states, "every state change published");
    }
}
