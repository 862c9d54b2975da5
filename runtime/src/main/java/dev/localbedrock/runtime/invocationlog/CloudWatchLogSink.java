package dev.localbedrock.runtime.invocationlog;

import dev.localbedrock.runtime.storage.ObjectStore;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The CloudWatch Logs destination, on disk: each log group is a folder and each log stream a JSON-lines file in it,
 * {@code <root>/<logGroupName>/<stream>.jsonl}, one record (the log event's message) per line. Names are written
 * with {@code /} as {@code %2F} (and {@code %} as {@code %25}), so {@code /aws/bedrock} stays one folder and no name
 * can leave the root. The stream is Bedrock's, {@code aws/bedrock/modelinvocations}. Appends are forced to disk
 * before the batch counts as delivered; a batch retried after a partial append may repeat lines (at least once).
 * Bodies over 100 KB go to the configuration's {@code largeDataDeliveryS3Config} through the object store.
 */
final class CloudWatchLogSink implements DeliveryWorker.Sink {
    static final String STREAM = "aws/bedrock/modelinvocations";
    private final Path root;
    private final ObjectStore store;
    private final RecordRenderer renderer;
    private final DeliveryCounters counters;

    CloudWatchLogSink(Path root, ObjectStore store, RecordRenderer renderer, DeliveryCounters counters) {
        this.root = root;
        this.store = store;
        this.renderer = renderer;
        this.counters = counters;
    }

    /** The file that holds the log group's stream. */
    static Path streamFile(Path root, String logGroupName) {
        return root.resolve(encode(logGroupName)).resolve(encode(STREAM) + ".jsonl");
    }

    static String encode(String name) {
        String s = name.replace("%", "%25").replace("/", "%2F");
        return s.equals(".") || s.equals("..") ? s.replace(".", "%2E") : s;
    }

    @Override
    public void deliver(List<PendingRecord> batch, String batchId) throws IOException {
        // Render everything first (large bodies land in S3 before any line names them), then append per group.
        Map<String, StringBuilder> byGroup = new LinkedHashMap<>();
        for (PendingRecord r : batch) {
            var cw = r.config().cloudWatch();
            String line = renderer.render(r, store, cw.largeDataDelivery()).toString();
            byGroup.computeIfAbsent(cw.logGroupName(), g -> new StringBuilder()).append(line).append('\n');
        }
        for (Map.Entry<String, StringBuilder> e : byGroup.entrySet()) {
            Path file = streamFile(root, e.getKey());
            Files.createDirectories(file.getParent());
            try (FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                    StandardOpenOption.APPEND)) {
                ByteBuffer buf = ByteBuffer.wrap(e.getValue().toString().getBytes(StandardCharsets.UTF_8));
                while (buf.hasRemaining()) {
                    ch.write(buf);
                }
                ch.force(false);
            }
        }
    }

    @Override
    public void count(int records, boolean success) {
        (success ? counters.cloudWatchSuccess : counters.cloudWatchFailure).addAndGet(records);
    }
}
