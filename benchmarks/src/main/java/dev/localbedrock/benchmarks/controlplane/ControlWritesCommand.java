package dev.localbedrock.benchmarks.controlplane;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.localbedrock.benchmarks.load.Percentiles;
import dev.localbedrock.benchmarks.load.Reports;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.awscore.retry.AwsRetryStrategy;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.bedrock.BedrockClient;

import java.net.URI;
import java.nio.file.Path;
import java.time.OffsetDateTime;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.Callable;

/**
 * {@code BenchTool control-writes}: the latency of one control-plane write, acknowledged, against a running server.
 * It creates one provisioned throughput (the resource the writes go to; deleted at the end), runs {@code --warmup}
 * unmeasured tag/untag pairs, then {@code --writes} sequential pairs: a TagResource adding one key, then an
 * UntagResource removing it, each timed from the SDK call to its answer. The server answers a write only after its
 * state store committed it, so each figure includes the commit's durability (SQLite's synchronous=FULL fsync, or a
 * PostgreSQL commit with its default synchronous_commit=on), the HTTP round trip and SigV4 verification. One key at
 * a time keeps the resource far below its 50-tag limit; the key cycles so each tag is a new row, not an update.
 * The client does not retry, so a failed write fails the run instead of hiding in a latency.
 */
@Command(name = "control-writes", mixinStandardHelpOptions = true,
        description = "Sequential TagResource/UntagResource latency (p50/p90/p99/mean, writes/s) on one provisioned"
                + " throughput of a running server: the cost of a durable control-plane commit on its state store"
                + " (benchmarks/README.md).")
public final class ControlWritesCommand implements Callable<Integer> {
    @Option(names = "--endpoint", required = true, description = "server (or balancer) URL, e.g. http://127.0.0.1:8080")
    URI endpoint;
    @Option(names = "--model-id", defaultValue = "meta.llama2-13b-chat-v1",
            description = "served model the provisioned throughput is for (default ${DEFAULT-VALUE})")
    String modelId;
    @Option(names = "--writes", defaultValue = "500", description = "measured TagResource and as many UntagResource"
            + " (default ${DEFAULT-VALUE})")
    int writes;
    @Option(names = "--warmup", defaultValue = "50", description = "unmeasured tag/untag pairs first (default ${DEFAULT-VALUE})")
    int warmup;
    @Option(names = "--label", defaultValue = "", description = "what the server stores its state on, for the report")
    String label;
    @Option(names = "--json", description = "write the results as JSON here")
    Path json;

    private static final int KEYS = 20;

    @Override
    public Integer call() throws Exception {
        if (writes < 1 || warmup < 0) {
            System.err.println("--writes must be at least 1 and --warmup not negative");
            return 2;
        }
        double[] tag = new double[writes];
        double[] untag = new double[writes];
        long wall;
        try (BedrockClient client = BedrockClient.builder().endpointOverride(endpoint).region(Region.US_EAST_1)
                .credentialsProvider(StaticCredentialsProvider.create(
                        AwsBasicCredentials.create("AKIDEXAMPLE", "not-a-secret")))
                .overrideConfiguration(c -> c.retryStrategy(AwsRetryStrategy.doNotRetry())).build()) {
            String name = "control-writes-" + UUID.randomUUID().toString().substring(0, 8);
            String arn = client.createProvisionedModelThroughput(r -> r.provisionedModelName(name).modelId(modelId)
                    .modelUnits(1)).provisionedModelArn();
            try {
                for (int i = 0; i < warmup; i++) {
                    pair(client, arn, i, null, null, 0);
                }
                long start = System.nanoTime();
                for (int i = 0; i < writes; i++) {
                    pair(client, arn, i, tag, untag, i);
                }
                wall = System.nanoTime() - start;
                if (!client.listTagsForResource(r -> r.resourceARN(arn)).tags().isEmpty()) {
                    System.err.println("tags left on " + arn + " after as many untags as tags");
                    return 1;
                }
            } finally {
                client.deleteProvisionedModelThroughput(r -> r.provisionedModelId(arn));
            }
        }
        Percentiles t = Percentiles.of(tag);
        Percentiles u = Percentiles.of(untag);
        double perSecond = 2.0 * writes / (wall / 1e9);
        System.out.printf(Locale.ROOT, "control-plane writes on %s%s, %d sequential of each after %d warm-up pairs%n",
                endpoint, label.isEmpty() ? "" : " (" + label + ")", writes, warmup);
        System.out.printf(Locale.ROOT, "%-14s %8s %8s %8s %8s %8s%n", "write", "p50 ms", "p90 ms", "p99 ms", "mean ms",
                "max ms");
        for (var row : List.of(Map.entry("TagResource", t), Map.entry("UntagResource", u))) {
            Percentiles p = row.getValue();
            System.out.printf(Locale.ROOT, "%-14s %8.2f %8.2f %8.2f %8.2f %8.2f%n", row.getKey(), p.p50(), p.p90(),
                    p.p99(), p.mean(), p.max());
        }
        System.out.printf(Locale.ROOT, "%.1f writes/s (both kinds, one at a time)%n", perSecond);
        if (json != null) {
            ObjectMapper mapper = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
            ObjectNode doc = mapper.createObjectNode();
            doc.put("tool", "dev.localbedrock.benchmarks.BenchTool control-writes");
            doc.put("date", OffsetDateTime.now().format(DateTimeFormatter.ISO_OFFSET_DATE_TIME));
            doc.set("machine", Reports.machine());
            ObjectNode settings = doc.putObject("settings");
            settings.put("endpoint", endpoint.toString());
            settings.put("label", label);
            settings.put("writes", writes);
            settings.put("warmup_pairs", warmup);
            doc.set("tag_resource_ms", mapper.valueToTree(t));
            doc.set("untag_resource_ms", mapper.valueToTree(u));
            doc.put("writes_per_s", Math.round(perSecond * 10) / 10.0);
            Path parent = json.toAbsolutePath().getParent();
            if (parent != null) {
                java.nio.file.Files.createDirectories(parent);
            }
            java.nio.file.Files.writeString(json, mapper.writeValueAsString(doc) + "\n");
        }
        return 0;
    }

    /** Tags {@code arn} with one key, then removes it; records each call's milliseconds at {@code slot}. */
    private static void pair(BedrockClient client, String arn, int i, double[] tag, double[] untag, int slot) {
        String key = "bench-" + (i % KEYS);
        long a = System.nanoTime();
        client.tagResource(r -> r.resourceARN(arn).tags(t -> t.key(key).value(Integer.toString(i))));
        long b = System.nanoTime();
        client.untagResource(r -> r.resourceARN(arn).tagKeys(key));
        long c = System.nanoTime();
        if (tag != null) {
            tag[slot] = (b - a) / 1e6;
            untag[slot] = (c - b) / 1e6;
        }
    }
}
