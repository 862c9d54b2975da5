package dev.localbedrock.runtime.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.localbedrock.runtime.ModelRegistry;
import dev.localbedrock.runtime.ServedModel;
import dev.localbedrock.runtime.capacity.CapacityProbe;
import dev.localbedrock.runtime.capacity.CapacityReport;
import dev.localbedrock.runtime.capacity.LevelResult;
import dev.localbedrock.runtime.catalog.Catalog;
import dev.localbedrock.runtime.catalog.CatalogLoader;
import dev.localbedrock.runtime.catalog.ModelEntry;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

/**
 * {@code bedrock-runtime capacity --model ID}: measures what this host sustains of one model of a models.yaml, in
 * process (no HTTP), at increasing concurrency, and prints the highest level within a p99 inter-token latency target
 * as the {@code model_unit} an operator pastes into the model's entry (docs/capacity.md). Exits 1 when no level met
 * the target.
 */
@Command(name = "capacity", mixinStandardHelpOptions = true,
        description = "Measure the sustained tokens per minute one model can serve on this host within a p99 "
                + "inter-token latency target, and print it as the model's model_unit.")
final class CapacityCommand implements Callable<Integer> {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Spec
    CommandSpec spec;

    @Option(names = "--model", required = true, description = "The model id (or alias) in the catalogue.")
    String modelId;

    @Option(names = "--config", defaultValue = "models.yaml", description = "The model catalogue (default: ${DEFAULT-VALUE}).")
    Path config;

    @Option(names = "--target-p99-itl-ms",
            description = "The p99 inter-token latency a level must stay within (default: 1.5 × that at concurrency 1).")
    Double targetP99ItlMs;

    @Option(names = "--prompt-tokens", defaultValue = "256", description = "Prompt tokens per request (default: ${DEFAULT-VALUE}).")
    int promptTokens;

    @Option(names = "--output-tokens", defaultValue = "128", description = "Tokens each request generates (default: ${DEFAULT-VALUE}).")
    int outputTokens;

    @Option(names = "--duration-seconds", defaultValue = "20",
            description = "Measurement window of each level, after its warm-up (default: ${DEFAULT-VALUE}).")
    double durationSeconds;

    @Option(names = "--warmup-seconds", defaultValue = "3",
            description = "Load before each level's window opens (default: ${DEFAULT-VALUE}).")
    double warmupSeconds;

    @Option(names = "--max-concurrency",
            description = "Highest concurrency measured (default: the model's max_running_sequences).")
    Integer maxConcurrency;

    @Option(names = "--json", description = "Print one JSON object instead of the table.")
    boolean json;

    @Override
    public Integer call() throws Exception {
        checkOptions();
        Catalog catalog = CatalogLoader.load(config);
        ModelEntry entry = find(catalog);
        // Only the measured model is loaded: the others would share the host's cores and memory and skew the figures.
        try (ModelRegistry registry = ModelRegistry.load(catalog.withModels(List.of(entry)))) {
            if (!(registry.served().get(0) instanceof ServedModel.Text text)) {
                throw new ParameterException(spec.commandLine(), "model '" + modelId + "' is an embedding model; "
                        + "capacity measures text generation");
            }
            int context = text.worker().contextTokens();
            if (promptTokens + outputTokens > context) {
                throw new ParameterException(spec.commandLine(), "--prompt-tokens + --output-tokens ("
                        + (promptTokens + outputTokens) + ") exceed the model's context of " + context + " tokens");
            }
            int max = maxConcurrency != null ? maxConcurrency : text.entry().batching().maxRunningSequences();
            CapacityProbe probe = new CapacityProbe(text.worker(), new CapacityProbe.Settings(promptTokens,
                    outputTokens, seconds(warmupSeconds), seconds(durationSeconds)));
            PrintWriter out = spec.commandLine().getOut();
            if (!json) {
                out.printf("%s: %d prompt + %d output tokens per request, %.1f s per level after %.1f s warm-up%n",
                        entry.id(), promptTokens, outputTokens, durationSeconds, warmupSeconds);
                out.println(HEADER);
                out.flush();
            }
            List<LevelResult> levels = probe.run(CapacityProbe.levels(max), level -> {
                if (!json) {
                    out.println(row(level));
                    out.flush();
                }
            });
            CapacityReport report = CapacityReport.judge(levels,
                    targetP99ItlMs != null ? targetP99ItlMs * 1e6 : null);
            if (json) {
                out.println(JSON.writeValueAsString(toJson(entry, report)));
            } else {
                printVerdict(out, report);
            }
            out.flush();
            return report.chosen().isPresent() ? 0 : 1;
        }
    }

    private void checkOptions() {
        String problem = null;
        if (promptTokens < 1) {
            problem = "--prompt-tokens must be at least 1";
        } else if (outputTokens < 2) {
            problem = "--output-tokens must be at least 2 (inter-token latency needs two tokens)";
        } else if (!(durationSeconds > 0) || !(warmupSeconds >= 0)) {
            problem = "--duration-seconds must be positive and --warmup-seconds not negative";
        } else if (maxConcurrency != null && maxConcurrency < 1) {
            problem = "--max-concurrency must be at least 1";
        } else if (targetP99ItlMs != null && !(targetP99ItlMs > 0)) {
            problem = "--target-p99-itl-ms must be positive";
        }
        if (problem != null) {
            throw new ParameterException(spec.commandLine(), problem);
        }
    }

    private ModelEntry find(Catalog catalog) {
        for (ModelEntry entry : catalog.models()) {
            if (entry.id().equals(modelId) || entry.aliases().contains(modelId)) {
                return entry;
            }
        }
        throw new IllegalArgumentException(config + " has no model '" + modelId + "'");
    }

    private static Duration seconds(double s) {
        return Duration.ofNanos(Math.round(s * 1e9));
    }

    private static final String HEADER = String.format(Locale.ROOT, "%11s %8s %9s %13s %14s %10s %10s %11s %6s",
            "concurrency", "seconds", "req/min", "in tok/min", "out tok/min", "p50 ITL ms", "p99 ITL ms",
            "p99 TTFT ms", "failed");

    private static String row(LevelResult l) {
        return String.format(Locale.ROOT, "%11d %8.1f %9.1f %13.0f %14.0f %10.2f %10.2f %11.1f %6d",
                l.concurrency(), l.seconds(), l.requestsPerMinute(), l.inputTokensPerMinute(),
                l.outputTokensPerMinute(), l.itlP50Nanos() / 1e6, l.itlP99Nanos() / 1e6, l.ttftP99Nanos() / 1e6,
                l.failed());
    }

    private static void printVerdict(PrintWriter out, CapacityReport report) {
        out.printf(Locale.ROOT, "target: p99 inter-token latency <= %.2f ms (%s)%n", report.targetNanos() / 1e6,
                report.targetGiven() ? "given" : CapacityReport.DEFAULT_TARGET_FACTOR + " x concurrency "
                        + report.levels().get(0).concurrency());
        if (report.chosen().isEmpty()) {
            out.println("no level met the target without failures: no model_unit to suggest");
            return;
        }
        LevelResult chosen = report.chosen().get();
        out.printf(Locale.ROOT, "capacity: concurrency %d sustains %d input and %d output tokens per minute%n",
                chosen.concurrency(), inputUnit(chosen), outputUnit(chosen));
        out.println("# One model unit = this host's measured capacity for the model; N units promise N x that, so");
        out.println("# this host can reserve 1 such unit (divide both figures by k to sell k units of it instead).");
        out.println("# Paste under the model's entry in models.yaml:");
        out.printf("model_unit: {input_tokens_per_minute: %d, output_tokens_per_minute: %d}%n",
                inputUnit(chosen), outputUnit(chosen));
    }

    /** Rounded down: a unit promises no more than was measured. */
    private static long inputUnit(LevelResult l) {
        return (long) Math.floor(l.inputTokensPerMinute());
    }

    private static long outputUnit(LevelResult l) {
        return (long) Math.floor(l.outputTokensPerMinute());
    }

    private static ObjectNode toJson(ModelEntry entry, CapacityReport report) {
        ObjectNode root = JSON.createObjectNode();
        root.put("model", entry.id());
        root.put("target_p99_itl_ms", report.targetNanos() / 1e6);
        root.put("target_given", report.targetGiven());
        var levels = root.putArray("levels");
        for (LevelResult l : report.levels()) {
            ObjectNode level = levels.addObject();
            level.put("concurrency", l.concurrency());
            level.put("seconds", l.seconds());
            level.put("requests_completed", l.completed());
            level.put("requests_failed", l.failed());
            level.put("input_tokens", l.inputTokens());
            level.put("output_tokens", l.outputTokens());
            level.put("requests_per_minute", l.requestsPerMinute());
            level.put("input_tokens_per_minute", l.inputTokensPerMinute());
            level.put("output_tokens_per_minute", l.outputTokensPerMinute());
            putMillis(level, "itl_p50_ms", l.itlP50Nanos());
            putMillis(level, "itl_p99_ms", l.itlP99Nanos());
            putMillis(level, "ttft_p99_ms", l.ttftP99Nanos());
            level.put("itl_samples", l.itlSamples());
            level.put("meets_target", report.meets(l));
        }
        if (report.chosen().isPresent()) {
            LevelResult chosen = report.chosen().get();
            root.put("chosen_concurrency", chosen.concurrency());
            ObjectNode unit = root.putObject("model_unit");
            unit.put("input_tokens_per_minute", inputUnit(chosen));
            unit.put("output_tokens_per_minute", outputUnit(chosen));
        } else {
            root.putNull("chosen_concurrency");
            root.putNull("model_unit");
        }
        return root;
    }

    /** NaN (a level that saw no such latency) is written as null: JSON has no NaN. */
    private static void putMillis(ObjectNode node, String field, double nanos) {
        if (Double.isNaN(nanos)) {
            node.putNull(field);
        } else {
            node.put(field, nanos / 1e6);
        }
    }
}
