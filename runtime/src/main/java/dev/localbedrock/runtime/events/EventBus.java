package dev.localbedrock.runtime.events;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.localbedrock.runtime.catalog.EventSettings;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.StandardOpenOption;
import java.time.Clock;
import java.time.Duration;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/**
 * The state-change event bus: wraps each published detail in the EventBridge envelope ({@code version "0"}, a fresh
 * {@code id}, {@code detail-type}, {@code source aws.bedrock}, {@code account}, {@code time}, {@code region},
 * {@code resources}, {@code detail}) and hands it to each destination's own {@link DeliveryQueue}: the events file
 * and every webhook, so a webhook that is down delays nobody else.
 */
public final class EventBus implements EventPublisher, AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(EventBus.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    public static final String SOURCE = "aws.bedrock";

    private final String region;
    private final String account;
    private final Clock clock;
    private final Duration grace;
    private final List<DeliveryQueue<PublishedEvent>> queues = new ArrayList<>();
    private final List<WebhookSink> webhooks = new ArrayList<>();
    private OutputStream file;

    private EventBus(String region, String account, Clock clock, Duration grace) {
        this.region = region;
        this.account = account;
        this.clock = clock;
        this.grace = grace;
    }

    /**
     * Opens the events file (creating its folder) and starts one delivery thread per destination.
     *
     * @throws UncheckedIOException when the file cannot be opened
     */
    public static EventBus open(EventSettings settings, String region, String account, Clock clock) {
        EventBus bus = new EventBus(region, account, clock, settings.shutdownGrace());
        if (settings.file() != null) {
            try {
                Files.createDirectories(settings.file().toAbsolutePath().getParent());
                bus.file = Files.newOutputStream(settings.file(), StandardOpenOption.CREATE,
                        StandardOpenOption.APPEND);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot open the events file " + settings.file() + ": "
                        + e.getMessage(), e);
            }
            bus.queues.add(new DeliveryQueue<>("events-file", settings.queueCapacity(), bus::append));
        }
        if (!settings.webhooks().isEmpty()) {
            HttpClient http = HttpClient.newBuilder().connectTimeout(settings.requestTimeout())
                    .version(HttpClient.Version.HTTP_1_1).build();
            for (int i = 0; i < settings.webhooks().size(); i++) {
                WebhookSink sink = new WebhookSink(settings.webhooks().get(i), settings, http, clock);
                bus.webhooks.add(sink);
                bus.queues.add(new DeliveryQueue<>("events-webhook-" + i, settings.queueCapacity(), sink));
            }
        }
        return bus;
    }

    @Override
    public void publish(String detailType, List<String> resources, ObjectNode detail) {
        ObjectNode e = JSON.createObjectNode();
        String id = UUID.randomUUID().toString();
        e.put("version", "0");
        e.put("id", id);
        e.put("detail-type", detailType);
        e.put("source", SOURCE);
        e.put("account", account);
        e.put("time", DateTimeFormatter.ISO_INSTANT.format(clock.instant().truncatedTo(ChronoUnit.SECONDS)));
        e.put("region", region);
        resources.forEach(e.putArray("resources")::add);
        e.set("detail", detail);
        PublishedEvent event;
        try {
            event = new PublishedEvent(id, JSON.writeValueAsString(e));
        } catch (JsonProcessingException ex) {
            throw new IllegalStateException("an ObjectNode always serializes", ex);
        }
        for (DeliveryQueue<PublishedEvent> q : queues) {
            q.offer(event);
        }
    }

    private void append(List<PublishedEvent> batch) {
        try {
            for (PublishedEvent event : batch) {
                file.write((event.json() + "\n").getBytes(StandardCharsets.UTF_8));
            }
            file.flush();
        } catch (IOException e) {
            log.warn("events file: {} event(s) not written: {}", batch.size(), e.toString());
        }
    }

    /** Waits until every destination has handled (delivered or given up) every event published so far. */
    public boolean awaitDelivered(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        for (DeliveryQueue<PublishedEvent> q : queues) {
            if (!q.awaitDelivered(Duration.ofNanos(Math.max(0, deadline - System.nanoTime())))) {
                return false;
            }
        }
        return true;
    }

    /** Events given up for some webhook after their last attempt. */
    public long givenUp() {
        return webhooks.stream().mapToLong(WebhookSink::givenUp).sum();
    }

    /** Events dropped for some destination because its queue was full. */
    public long dropped() {
        return queues.stream().mapToLong(DeliveryQueue::dropped).sum();
    }

    /** Delivers what is queued within the shutdown grace (retries included), then closes the file. */
    @Override
    public void close() {
        long deadline = System.nanoTime() + grace.toNanos();
        for (DeliveryQueue<PublishedEvent> q : queues) {
            q.close(Duration.ofNanos(Math.max(1_000_000, deadline - System.nanoTime())));
        }
        if (file != null) {
            try {
                file.close();
            } catch (IOException e) {
                log.warn("events file: close failed: {}", e.toString());
            }
        }
    }
}
