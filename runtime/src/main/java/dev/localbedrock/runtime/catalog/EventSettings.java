package dev.localbedrock.runtime.catalog;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * The state-change event bus (models.yaml {@code events:}): EventBridge-shaped events appended to a JSON-lines file
 * and POSTed, signed, to each webhook, at least once.
 *
 * @param file            the JSON-lines file every event is appended to, or null for none
 * @param webhooks        where every event is POSTed
 * @param queueCapacity   events waiting per destination; past it new events are dropped for it and counted
 * @param initialBackoff  the wait before the first retry of a failed POST; it doubles per retry
 * @param maxBackoff      the longest wait between retries
 * @param maxAttempts     POSTs of one event to one webhook before it is given up (logged and counted)
 * @param requestTimeout  how long one POST may take
 * @param shutdownGrace   how long closing waits for deliveries still queued or being retried
 */
public record EventSettings(Path file, List<Webhook> webhooks, int queueCapacity, Duration initialBackoff,
                            Duration maxBackoff, int maxAttempts, Duration requestTimeout, Duration shutdownGrace) {
    static final String DEFAULT_FILE = "events/events.jsonl";

    public EventSettings {
        webhooks = List.copyOf(webhooks);
    }

    /** A webhook: its URL and the secret its signature is made with. */
    public record Webhook(URI url, String secret) {
        @Override
        public String toString() {
            return "Webhook[" + url + "]"; // never the secret
        }
    }

    /** The defaults: the file {@code cacheDir/events/events.jsonl}, no webhooks. */
    public static EventSettings under(Path cacheDir) {
        return new EventSettings(cacheDir.resolve(DEFAULT_FILE).toAbsolutePath().normalize(), List.of(), 10_000,
                Duration.ofMillis(500), Duration.ofSeconds(60), 20, Duration.ofSeconds(10), Duration.ofSeconds(10));
    }

    /** No destinations (a catalogue built in code): events are published to nobody. */
    public static EventSettings none() {
        return new EventSettings(null, List.of(), 10_000, Duration.ofMillis(500), Duration.ofSeconds(60), 20,
                Duration.ofSeconds(10), Duration.ofSeconds(10));
    }
}
