package dev.localbedrock.runtime.invocationlog;

import dev.localbedrock.runtime.state.InvocationLoggingConfig.S3Location;
import dev.localbedrock.runtime.storage.ObjectStore;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.GZIPOutputStream;

/**
 * The S3 destination: a batch becomes one gzip-compressed JSON-lines object per bucket, prefix and hour, at
 * {@code {keyPrefix}/AWSLogs/{account}/BedrockModelInvocationLogs/{region}/yyyy/mm/dd/hh/{yyyyMMdd'T'HHmmss'Z'}_{batch}.json.gz}.
 * The object's name comes from the batch id, so a retried batch rewrites the same object rather than duplicating it.
 */
final class S3LogSink implements DeliveryWorker.Sink {
    private static final DateTimeFormatter STAMP = DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'")
            .withZone(ZoneOffset.UTC);
    private final ObjectStore store;
    private final RecordRenderer renderer;
    private final DeliveryCounters counters;

    S3LogSink(ObjectStore store, RecordRenderer renderer, DeliveryCounters counters) {
        this.store = store;
        this.renderer = renderer;
        this.counters = counters;
    }

    private record Group(S3Location location, Instant hour) {
    }

    @Override
    public void deliver(List<PendingRecord> batch, String batchId) {
        Map<Group, List<PendingRecord>> groups = new LinkedHashMap<>();
        for (PendingRecord r : batch) {
            groups.computeIfAbsent(new Group(r.config().s3(), r.timestamp().truncatedTo(ChronoUnit.HOURS)),
                    g -> new ArrayList<>()).add(r);
        }
        for (Map.Entry<Group, List<PendingRecord>> e : groups.entrySet()) {
            S3Location where = e.getKey().location();
            List<PendingRecord> records = e.getValue();
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            try (GZIPOutputStream gz = new GZIPOutputStream(bytes)) {
                for (PendingRecord r : records) {
                    gz.write(renderer.render(r, store, where).toString().getBytes(StandardCharsets.UTF_8));
                    gz.write('\n');
                }
            } catch (IOException ex) {
                throw new UncheckedIOException(ex);
            }
            String key = renderer.hourPrefix(where.keyPrefix(), e.getKey().hour()) + "/"
                    + STAMP.format(records.get(0).timestamp()) + "_" + batchId + ".json.gz";
            store.put(where.bucketName(), key, bytes.toByteArray());
        }
    }

    @Override
    public void count(int records, boolean success) {
        (success ? counters.s3Success : counters.s3Failure).addAndGet(records);
    }
}
