package dev.localbedrock.runtime.customization;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

/** The guide's EventBridge example for a failed job, field by field, and what changes for a completed one. */
class CustomizationJobEventsTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String JOB_ARN = "arn:aws:bedrock:us-east-1:000000000000:model-customization-job/abcdefghwxyz";

    private static CustomizationJob job(JobStatus status, String outputModelArn, String failure, Instant end) {
        return new CustomizationJob(JOB_ARN, "abcd-wxyz", "dummy-output-model-name", outputModelArn,
                "arn:aws:iam::000000000000:role/JobExecutionRole", status, failure,
                Instant.parse("2023-08-11T10:11:12.345Z"), Instant.parse("2023-08-11T12:34:56Z"), end,
                "arn:aws:bedrock:us-east-1::foundation-model/meta.llama2-13b-chat-v1",
                Hyperparameters.parse(java.util.Map.of("epochCount", "2", "learningRate", "0.005")),
                "s3://bucket/train.jsonl", "s3://bucket/validation.jsonl", "s3://bucket/output/");
    }

    @Test
    void aFailedJobsEventHasTheGuidesShape() throws Exception {
        List<Object[]> published = new ArrayList<>();
        new CustomizationJobEvents((type, resources, detail) -> published.add(
                new Object[] {type, resources, detail})).changed(job(JobStatus.Failed, null, "Failure Message here.", Instant.parse("2023-08-11T12:34:56Z")));
        assertEquals(1, published.size());
        assertEquals("Model Customization Job State Change", published.get(0)[0]);
        assertEquals(List.of(JOB_ARN), published.get(0)[1]);
        assertEquals(JSON.readTree("""
                {"version":"0.0","jobName":"abcd-wxyz","jobArn":"%s",
                 "outputModelName":"dummy-output-model-name",
                 "roleArn":"arn:aws:iam::000000000000:role/JobExecutionRole","jobStatus":"Failed",
                 "failureMessage":"Failure Message here.","creationTime":"2023-08-11T10:11:12Z",
                 "lastModifiedTime":"2023-08-11T12:34:56Z","endTime":"2023-08-11T12:34:56Z",
                 "baseModelArn":"arn:aws:bedrock:us-east-1::foundation-model/meta.llama2-13b-chat-v1",
                 "hyperParameters":{"batchSize":"1","epochCount":"2","learningRate":"0.005",
                                    "learningRateWarmupSteps":"0"},
                 "trainingDataConfig":{"s3Uri":"s3://bucket/train.jsonl"},
                 "validationDataConfig":{"s3Uri":"s3://bucket/validation.jsonl"},
                 "outputDataConfig":{"s3Uri":"s3://bucket/output/"}}""".formatted(JOB_ARN)),
                published.get(0)[2]);
    }

    @Test
    void outputModelArnAppearsOnlyOnceCompletedAndEndTimeOnlyAtTheEnd() {
        ObjectNode running = CustomizationJobEvents.detail(job(JobStatus.InProgress, null, null, null));
        assertFalse(running.has("outputModelArn"));
        assertFalse(running.has("endTime"));
        assertFalse(running.has("failureMessage"));
        String model = "arn:aws:bedrock:us-east-1:000000000000:custom-model/meta.llama2-13b-chat-v1/abc123";
        ObjectNode done = CustomizationJobEvents.detail(job(JobStatus.Completed, model, null,
                Instant.parse("2023-08-11T13:00:00Z")));
        assertEquals(model, done.get("outputModelArn").asText());
        assertEquals("Completed", done.get("jobStatus").asText());
        assertEquals("2023-08-11T13:00:00Z", done.get("endTime").asText());
    }
}
