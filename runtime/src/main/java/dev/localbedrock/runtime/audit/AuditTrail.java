package dev.localbedrock.runtime.audit;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.localbedrock.runtime.catalog.AuditSettings;
import dev.localbedrock.runtime.events.DeliveryQueue;
import dev.localbedrock.runtime.observe.CallListener;
import dev.localbedrock.runtime.observe.CompletedCall;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The audit trail: every completed call becomes one CloudTrail-shaped JSON line in {@link RotatingJsonLines} files.
 * The call path only queues the {@link CompletedCall} (no JSON, no I/O, no UUID); one writer thread turns queued
 * calls into records, writes them and flushes after each batch. A full queue drops the new call and counts it (see
 * {@link DeliveryQueue}): the event loop never waits on the disk. Closing writes everything still queued.
 */
public final class AuditTrail implements CallListener, AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(AuditTrail.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    static final String PREFIX = "audit";

    private final RotatingJsonLines files;
    private final CloudTrailRecord records;
    private final DeliveryQueue<CompletedCall> queue;
    private final AtomicLong written = new AtomicLong();
    private final AtomicLong failed = new AtomicLong();

    private AuditTrail(RotatingJsonLines files, CloudTrailRecord records, int capacity) {
        this.files = files;
        this.records = records;
        this.queue = new DeliveryQueue<>("audit-writer", capacity, this::write);
    }

    /**
     * Opens the audit folder (creating it) and starts the writer.
     *
     * @throws UncheckedIOException when the folder cannot be created: the server should not start without its audit
     */
    public static AuditTrail open(AuditSettings settings, String region, String account, Clock clock) {
        try {
            return new AuditTrail(new RotatingJsonLines(settings.dir(), PREFIX, settings.maxFileBytes(),
                    settings.maxFiles(), clock), new CloudTrailRecord(region, account), settings.queueCapacity());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot open the audit folder " + settings.dir() + ": " + e.getMessage(), e);
        }
    }

    @Override
    public void completed(CompletedCall call) {
        // Health checks and metric scrapes arrive every few seconds from probes and Prometheus: they are not API
        // activity anyone audits, and they would bury the calls that are.
        if ("local-bedrock".equals(call.service())
                && ("Ping".equals(call.operation()) || "Live".equals(call.operation())
                || "GetMetrics".equals(call.operation()))) {
            return;
        }
        queue.offer(call);
    }

    private void write(List<CompletedCall> batch) {
        int done = 0;
        try {
            for (CompletedCall call : batch) {
                files.write(line(call));
                done++;
            }
            files.flush();
            written.addAndGet(done);
        } catch (IOException e) {
            // A full or vanished disk: these records are lost (counted); the next batch opens the file again.
            failed.addAndGet(batch.size());
            log.warn("audit trail: {} record(s) not written: {}", batch.size(), e.toString());
            files.reset();
        }
    }

    private String line(CompletedCall call) {
        try {
            return JSON.writeValueAsString(records.of(call, UUID.randomUUID().toString()));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("an ObjectNode always serializes", e);
        }
    }

    /** Records written and flushed. */
    public long written() {
        return written.get();
    }

    /** Calls not recorded: the queue was full (or closed), or the write failed. */
    public long lost() {
        return queue.dropped() + failed.get();
    }

    /** Waits until every call queued so far is written (for tests and orderly shutdown). */
    public boolean awaitWritten(Duration timeout) throws InterruptedException {
        return queue.awaitDelivered(timeout);
    }

    /** The files written so far, oldest first. */
    public List<java.nio.file.Path> files() throws IOException {
        return files.files();
    }

    /** Writes what is queued, then closes the file. Call after the server has stopped: later calls are dropped. */
    @Override
    public void close() {
        queue.close(Duration.ofSeconds(30));
        try {
            files.close();
        } catch (IOException e) {
            log.warn("audit trail: closing {} failed: {}", files.currentFile(), e.toString());
        }
    }
}
