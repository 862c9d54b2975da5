package dev.localbedrock.runtime.events;

import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.List;

/** Where services announce state changes (provisioned throughput now, customization jobs later). Never blocks. */
@FunctionalInterface
public interface EventPublisher {

    /**
     * Publishes one event; returns at once, delivery happens elsewhere.
     *
     * @param detailType the EventBridge {@code detail-type}, e.g. "Model Customization Job State Change"
     * @param resources  the ARNs the event is about
     * @param detail     the service-specific body
     */
    void publish(String detailType, List<String> resources, ObjectNode detail);

    /** Publishes to nobody. */
    static EventPublisher none() {
        return (detailType, resources, detail) -> {
        };
    }
}
