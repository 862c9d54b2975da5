package dev.localbedrock.runtime.events;

import dev.localbedrock.runtime.catalog.EventSettings;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;

/**
 * POSTs events to one webhook, in order, each until it gets a 2xx: at least once. A failure (connection refused, a
 * timeout, any other status) is retried after a back-off that doubles from the initial one up to the maximum, with
 * jitter so that webhooks that came back are not hit by every server at once; after the last attempt the event is
 * given up for this webhook and counted (it is still in the events file). Each attempt is signed anew.
 */
final class WebhookSink implements DeliveryQueue.Sink<PublishedEvent> {
    private static final Logger log = LoggerFactory.getLogger(WebhookSink.class);
    private final EventSettings.Webhook webhook;
    private final EventSettings settings;
    private final HttpClient http;
    private final Clock clock;
    private final AtomicLong delivered = new AtomicLong();
    private final AtomicLong givenUp = new AtomicLong();

    WebhookSink(EventSettings.Webhook webhook, EventSettings settings, HttpClient http, Clock clock) {
        this.webhook = webhook;
        this.settings = settings;
        this.http = http;
        this.clock = clock;
    }

    @Override
    public void deliver(List<PublishedEvent> batch) throws InterruptedException {
        for (PublishedEvent event : batch) {
            deliver(event);
        }
    }

    private void deliver(PublishedEvent event) throws InterruptedException {
        byte[] body = event.json().getBytes(StandardCharsets.UTF_8);
        Duration backoff = settings.initialBackoff();
        for (int attempt = 1; ; attempt++) {
            String outcome = post(event, body, attempt);
            if (outcome == null) {
                delivered.incrementAndGet();
                return;
            }
            if (attempt >= settings.maxAttempts()) {
                givenUp.incrementAndGet();
                log.warn("event {} not delivered to {} after {} attempt(s), last: {}", event.id(), webhook.url(),
                        attempt, outcome);
                return;
            }
            log.debug("event {} to {}: attempt {} failed ({}), retrying in {}", event.id(), webhook.url(), attempt,
                    outcome, backoff);
            long half = Math.max(1, backoff.toMillis() / 2);
            Thread.sleep(half + ThreadLocalRandom.current().nextLong(half + 1));
            backoff = backoff.multipliedBy(2).compareTo(settings.maxBackoff()) > 0 ? settings.maxBackoff()
                    : backoff.multipliedBy(2);
        }
    }

    /** @return null when the webhook took it, else what went wrong */
    private String post(PublishedEvent event, byte[] body, int attempt) throws InterruptedException {
        long timestamp = clock.instant().getEpochSecond();
        HttpRequest request = HttpRequest.newBuilder(webhook.url())
                .timeout(settings.requestTimeout())
                .header("Content-Type", "application/json")
                .header(EventSignature.EVENT_ID_HEADER, event.id())
                .header(EventSignature.ATTEMPT_HEADER, Integer.toString(attempt))
                .header(EventSignature.TIMESTAMP_HEADER, Long.toString(timestamp))
                .header(EventSignature.SIGNATURE_HEADER, EventSignature.sign(webhook.secret(), timestamp, body))
                .POST(HttpRequest.BodyPublishers.ofByteArray(body))
                .build();
        try {
            int status = http.send(request, HttpResponse.BodyHandlers.discarding()).statusCode();
            return status / 100 == 2 ? null : "HTTP " + status;
        } catch (IOException e) {
            return e.toString();
        }
    }

    long delivered() {
        return delivered.get();
    }

    long givenUp() {
        return givenUp.get();
    }
}
