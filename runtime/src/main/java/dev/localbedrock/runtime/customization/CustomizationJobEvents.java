package dev.localbedrock.runtime.customization;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.localbedrock.runtime.events.EventPublisher;

import java.time.Instant;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.List;

/**
 * A job's state changes on the event bus, exactly as the guide's EventBridge example shows them: detail-type
 * "Model Customization Job State Change", the job's ARN as the one resource, and a detail with {@code version}
 * "0.0", the job's names and ARNs, {@code jobStatus}, the times, the hyperparameters as strings and the three data
 * configurations. {@code outputModelArn} appears once the job Completed, {@code failureMessage} when it Failed,
 * {@code endTime} at a final status, {@code validationDataConfig} when the job has validation data.
 */
public final class CustomizationJobEvents {
    public static final String DETAIL_TYPE = "Model Customization Job State Change";
    private static final ObjectMapper JSON = new ObjectMapper();

    private final EventPublisher publisher;

    public CustomizationJobEvents(EventPublisher publisher) {
        this.publisher = publisher;
    }

    /** Announces that {@code job} is now in its status. */
    public void changed(CustomizationJob job) {
        publisher.publish(DETAIL_TYPE, List.of(job.jobArn()), detail(job));
    }

    static ObjectNode detail(CustomizationJob job) {
        ObjectNode d = JSON.createObjectNode();
        d.put("version", "0.0");
        d.put("jobName", job.jobName());
        d.put("jobArn", job.jobArn());
        d.put("outputModelName", job.outputModelName());
        if (job.outputModelArn() != null) {
            d.put("outputModelArn", job.outputModelArn());
        }
        d.put("roleArn", job.roleArn());
        d.put("jobStatus", job.status().name());
        if (job.failureMessage() != null) {
            d.put("failureMessage", job.failureMessage());
        }
        d.put("creationTime", time(job.creationTime()));
        d.put("lastModifiedTime", time(job.lastModifiedTime()));
        if (job.endTime() != null) {
            d.put("endTime", time(job.endTime()));
        }
        d.put("baseModelArn", job.baseModelArn());
        ObjectNode h = d.putObject("hyperParameters");
        job.hyperParameters().asStrings().entrySet().stream().sorted(java.util.Map.Entry.comparingByKey())
                .forEach(e -> h.put(e.getKey(), e.getValue()));
        d.putObject("trainingDataConfig").put("s3Uri", job.trainingS3Uri());
        if (job.validationS3Uri() != null) {
            d.putObject("validationDataConfig").put("s3Uri", job.validationS3Uri());
        }
        d.putObject("outputDataConfig").put("s3Uri", job.outputS3Uri());
        return d;
    }

    private static String time(Instant t) {
        return t == null ? null : DateTimeFormatter.ISO_INSTANT.format(t.truncatedTo(ChronoUnit.SECONDS));
    }
}
