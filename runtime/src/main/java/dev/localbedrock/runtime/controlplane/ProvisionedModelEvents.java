package dev.localbedrock.runtime.controlplane;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.localbedrock.runtime.events.EventPublisher;
import dev.localbedrock.runtime.state.ProvisionedModel;

import java.time.Instant;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.List;

/**
 * Provisioned-throughput state changes on the event bus. Bedrock documents no EventBridge event for provisioned
 * throughput, so this one follows its "Model Customization Job State Change" in style: the detail-type names the
 * resource as the API does, the detail carries the Get response's fields with {@code status} the new state, and
 * {@code resources} holds the provisioned model's ARN. A deletion is reported with status {@value #DELETED}, a
 * state the API never returns (the model is gone).
 */
final class ProvisionedModelEvents {
    static final String DETAIL_TYPE = "Provisioned Model Throughput State Change";
    static final String DELETED = "Deleted";
    private static final ObjectMapper JSON = new ObjectMapper();

    private final EventPublisher publisher;
    private final FoundationModels foundation;

    ProvisionedModelEvents(EventPublisher publisher, FoundationModels foundation) {
        this.publisher = publisher;
        this.foundation = foundation;
    }

    /** Announces that {@code model} is now in its stored status. */
    void changed(ProvisionedModel model) {
        publish(model, model.status().wire());
    }

    void deleted(ProvisionedModel model) {
        publish(model, DELETED);
    }

    private void publish(ProvisionedModel m, String status) {
        ObjectNode d = JSON.createObjectNode();
        d.put("version", "0.0");
        d.put("provisionedModelName", m.name());
        d.put("provisionedModelArn", m.arn());
        d.put("modelArn", foundation.arn(m.modelId()));
        d.put("desiredModelArn", foundation.arn(m.desiredModelId()));
        d.put("foundationModelArn", foundation.arn(m.modelId()));
        d.put("modelUnits", m.modelUnits());
        d.put("desiredModelUnits", m.desiredModelUnits());
        d.put("status", status);
        if (m.failureMessage() != null) {
            d.put("failureMessage", m.failureMessage());
        }
        if (m.commitmentDuration() != null) {
            d.put("commitmentDuration", m.commitmentDuration());
            d.put("commitmentExpirationTime", time(m.commitmentExpiration()));
        }
        d.put("creationTime", time(m.createdAt()));
        d.put("lastModifiedTime", time(m.lastModifiedAt()));
        publisher.publish(DETAIL_TYPE, List.of(m.arn()), d);
    }

    private static String time(Instant t) {
        return t == null ? null : DateTimeFormatter.ISO_INSTANT.format(t.truncatedTo(ChronoUnit.SECONDS));
    }
}
