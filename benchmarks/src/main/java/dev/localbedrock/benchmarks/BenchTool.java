package dev.localbedrock.benchmarks;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.localbedrock.benchmarks.bandwidth.BandwidthProbe;
import dev.localbedrock.benchmarks.bandwidth.DecodeBytes;
import dev.localbedrock.benchmarks.checkpoint.BenchCheckpointWriter;
import dev.localbedrock.benchmarks.checkpoint.CheckpointPreset;
import dev.localbedrock.benchmarks.controlplane.ControlWritesCommand;
import dev.localbedrock.benchmarks.gguf.HfToGguf;
import dev.localbedrock.benchmarks.imaging.ImageStepsCommand;
import dev.localbedrock.benchmarks.knowledge.KbIngestCommand;
import dev.localbedrock.benchmarks.knowledge.KbRetrieveCommand;
import dev.localbedrock.benchmarks.llamacpp.LlamaCpp;
import dev.localbedrock.benchmarks.llamacpp.LlamaCppTarget;
import dev.localbedrock.benchmarks.llamacpp.NativeStderr;
import dev.localbedrock.benchmarks.load.BedrockHttpTarget;
import dev.localbedrock.benchmarks.load.LoadRunner;
import dev.localbedrock.benchmarks.load.MetricsAgreement;
import dev.localbedrock.benchmarks.load.LoadTarget;
import dev.localbedrock.benchmarks.load.PromptBuilder;
import dev.localbedrock.benchmarks.load.Reports;
import dev.localbedrock.benchmarks.load.ReservedLatencyScenario;
import dev.localbedrock.benchmarks.load.RunResult;
import dev.localbedrock.benchmarks.load.Workload;
import dev.localbedrock.benchmarks.training.TrainingInterferenceScenario;
import dev.localbedrock.benchmarks.training.TrainingThroughputProbe;
import dev.localbedrock.engines.training.FineTuning;
import dev.localbedrock.engines.synthetic.RandomLlamaCheckpoint.Shape;
import dev.localbedrock.engines.tokenizer.HfTextTokenizer;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * The benchmark tools' single entry point:
 * {@code java -cp benchmarks/target/benchmarks.jar dev.localbedrock.benchmarks.BenchTool <command> …}
 * ({@code java -jar benchmarks/target/benchmarks.jar} stays the JMH runner). See {@code benchmarks/README.md}.
 *
 * <p>Over 400 lines because it holds the picocli option blocks of its subcommands, each a thin shell around the
 * class that does the work (checkpoint writer, GGUF writer, load harness, llama.cpp peer, bandwidth probe); the
 * options read best beside each other, where a flag shared by two commands is seen to mean the same.
 */
@Command(name = "BenchTool", mixinStandardHelpOptions = true,
        description = "Benchmark tools: checkpoints, GGUF, load generator, llama.cpp side-by-side, memory bandwidth.",
        subcommands = {BenchTool.WriteCheckpoint.class, BenchTool.Gguf.class, BenchTool.Load.class,
            BenchTool.LlamaCppCommand.class, BenchTool.Bandwidth.class, BenchTool.ReservedLatency.class, BenchTool.MetricsCheck.class,
            BenchTool.TrainingThroughput.class, BenchTool.TrainingInterference.class, ImageStepsCommand.class,
            KbIngestCommand.class, KbRetrieveCommand.class, ControlWritesCommand.class, CommandLine.HelpCommand.class})
public final class BenchTool {

    public static void main(String[] args) {
        if (System.getProperty("ai.djl.offline") == null) {
            System.setProperty("ai.djl.offline", "true"); // nothing downloads at run time
        }
        int code = new CommandLine(new BenchTool()).setCaseInsensitiveEnumValuesAllowed(true).execute(args);
        System.exit(code);
    }

    // ---------------------------------------------------------------------------------------------------------------

    @Command(name = "write-checkpoint", mixinStandardHelpOptions = true,
            description = "Write a random-initialised Llama HF directory of a preset or custom shape (and its GGUF).")
    static final class WriteCheckpoint implements Callable<Integer> {
        @Option(names = "--preset", description = "tinystories-15m | tinystories-42m | tinystories-110m | tinyllama-1.1b")
        String preset;
        @Option(names = "--dim", description = "hidden size (custom shape)")
        Integer dim;
        @Option(names = "--layers", description = "layers (custom shape)")
        Integer layers;
        @Option(names = "--heads", description = "attention heads (custom shape)")
        Integer heads;
        @Option(names = "--kv-heads", description = "key/value heads (default: --heads)")
        Integer kvHeads;
        @Option(names = {"--hidden-dim", "--ffn"}, description = "feed-forward (intermediate) size (custom shape)")
        Integer hiddenDim;
        @Option(names = "--vocab", defaultValue = "32000", description = "vocabulary (custom shape; default ${DEFAULT-VALUE})")
        int vocab;
        @Option(names = "--ctx", defaultValue = "2048", description = "context length (custom shape; default ${DEFAULT-VALUE})")
        int ctx;
        @Option(names = "--untied", description = "separate lm_head (custom shape; presets decide themselves)")
        boolean untied;
        @Option(names = "--out", required = true, description = "directory to create (must not exist or be empty)")
        Path out;
        @Option(names = "--seed", defaultValue = "0", description = "weight seed (default ${DEFAULT-VALUE})")
        long seed;
        @Option(names = "--gguf", description = "also write the F32 GGUF (default <out>/model-f32.gguf)")
        boolean gguf;
        @Option(names = "--gguf-out", description = "where the GGUF goes (implies --gguf)")
        Path ggufOut;
        @Option(names = "--threads", description = "generator threads (default: cores, at most 4)")
        Integer threads;

        @Override
        public Integer call() throws Exception {
            Shape shape;
            boolean tied;
            if (preset != null) {
                if (dim != null || layers != null || heads != null || hiddenDim != null) {
                    throw new CommandLine.ParameterException(new CommandLine(this),
                            "--preset and custom dimensions are exclusive");
                }
                CheckpointPreset p = CheckpointPreset.parse(preset);
                shape = p.shape();
                tied = p.tiedEmbeddings();
            } else {
                if (dim == null || layers == null || heads == null || hiddenDim == null) {
                    throw new CommandLine.ParameterException(new CommandLine(this),
                            "give --preset, or --dim, --layers, --heads and --hidden-dim");
                }
                shape = new Shape(dim, layers, heads, kvHeads == null ? heads : kvHeads, hiddenDim, vocab, ctx);
                tied = !untied;
            }
            int t = threads == null ? Math.min(4, Runtime.getRuntime().availableProcessors()) : threads;
            long params = BenchCheckpointWriter.parameterCount(shape, tied);
            System.out.printf(Locale.ROOT, "writing %s: %s, %s, %,d parameters (%.1f MB f32), seed %d%n", out,
                    shape, tied ? "tied head" : "untied head", params, params * 4 / 1e6, seed);
            long t0 = System.nanoTime();
            Path dir = BenchCheckpointWriter.write(out, shape, tied, seed, t);
            System.out.printf(Locale.ROOT, "wrote %s in %.1f s%n", dir, (System.nanoTime() - t0) / 1e9);
            if (gguf || ggufOut != null) {
                Path file = ggufOut != null ? ggufOut : dir.resolve("model-f32.gguf");
                long t1 = System.nanoTime();
                HfToGguf.convert(dir, file);
                System.out.printf(Locale.ROOT, "wrote %s (%.1f MB) in %.1f s%n", file, Files.size(file) / 1e6,
                        (System.nanoTime() - t1) / 1e9);
            }
            return 0;
        }
    }

    @Command(name = "gguf", mixinStandardHelpOptions = true,
            description = "Convert a Llama HF directory (byte-level BPE tokenizer) to an F32 GGUF for llama.cpp.")
    static final class Gguf implements Callable<Integer> {
        @Option(names = "--model-dir", required = true)
        Path modelDir;
        @Option(names = "--out", required = true)
        Path out;
        @Option(names = "--no-permute", hidden = true, description = "skip the Q/K rotary permutation (diagnostics)")
        boolean noPermute;

        @Override
        public Integer call() throws Exception {
            long t0 = System.nanoTime();
            HfToGguf.convert(modelDir, out, !noPermute);
            System.out.printf(Locale.ROOT, "wrote %s (%.1f MB) in %.1f s%n", out, Files.size(out) / 1e6,
                    (System.nanoTime() - t0) / 1e9);
            return 0;
        }
    }

    // ---------------------------------------------------------------------------------------------------------------

    /** Options shared by the load and llamacpp commands. */
    static class LoadOptions {
        @Option(names = "--concurrency", split = ",", defaultValue = "1,4", description = "levels, e.g. 1,4,16,32 (default ${DEFAULT-VALUE})")
        List<Integer> concurrency;
        @Option(names = "--prompt-tokens", defaultValue = "128", description = "prompt length in tokens, BOS included (default ${DEFAULT-VALUE})")
        int promptTokens;
        @Option(names = "--output-tokens", defaultValue = "64", description = "tokens to generate (max_gen_len / n_predict; default ${DEFAULT-VALUE})")
        int outputTokens;
        @Option(names = "--requests", defaultValue = "0", description = "measured requests per level (default: max(8, 4 × concurrency))")
        int requests;
        @Option(names = "--max-seconds", defaultValue = "300", description = "no new request after this many seconds per level (default ${DEFAULT-VALUE})")
        int maxSeconds;
        @Option(names = "--warmup", defaultValue = "1", description = "unmeasured requests before each level (default ${DEFAULT-VALUE})")
        int warmup;
        @Option(names = "--stream", negatable = true, defaultValue = "true", fallbackValue = "true",
                description = "InvokeModelWithResponseStream (default); --no-stream for InvokeModel")
        boolean stream;
        @Option(names = "--threads", description = "llama.cpp threads, generation and batch (default: cores)")
        Integer threads;
        @Option(names = "--flash-attn", description = "also run llama.cpp with flash attention")
        boolean flashAttn;
        @Option(names = "--json", description = "write the results as JSON here")
        Path json;
        @Option(names = "--verbose-llama", description = "echo llama.cpp's own log (captured from stderr) as it runs")
        boolean verbose;

        Workload workload(String prompt, int concurrency) {
            int r = requests > 0 ? requests : Math.max(8, 4 * concurrency);
            return new Workload(prompt, promptTokens, outputTokens, stream, r, warmup, Duration.ofSeconds(maxSeconds));
        }

        int llamaThreads() {
            return threads != null ? threads : Runtime.getRuntime().availableProcessors();
        }

        Map<String, Object> settings(String prompt) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("concurrency", concurrency);
            m.put("prompt_tokens", promptTokens);
            m.put("output_tokens", outputTokens);
            m.put("requests_per_level", requests > 0 ? requests : "max(8, 4 × concurrency)");
            m.put("max_seconds_per_level", maxSeconds);
            m.put("warmup", warmup);
            m.put("stream", stream);
            m.put("temperature", 0);
            m.put("prompt", prompt);
            return m;
        }
    }

    @Command(name = "load", mixinStandardHelpOptions = true,
            description = "Drive a running server over HTTP/1.1 with N concurrent clients (optionally side by side"
                    + " with llama.cpp in-process on the GGUF of the same weights).")
    static final class Load extends LoadOptions implements Callable<Integer> {
        @Option(names = "--endpoint", required = true, description = "e.g. http://127.0.0.1:8080")
        URI endpoint;
        @Option(names = "--model-id", defaultValue = "meta.llama2-13b-chat-v1", description = "default ${DEFAULT-VALUE}")
        String modelId;
        @Option(names = "--model-dir", required = true, description = "the served HF directory: its tokenizer sizes the prompt")
        Path modelDir;
        @Option(names = "--llamacpp-gguf", description = "also run llama.cpp on this GGUF, alternating with the server")
        Path llamaGguf;
        @Option(names = "--repeats", defaultValue = "1", description = "rounds of all levels (median reported; default ${DEFAULT-VALUE})")
        int repeats;
        @Option(names = "--timeout-seconds", defaultValue = "600", description = "per request (default ${DEFAULT-VALUE})")
        int timeoutSeconds;

        @Override
        public Integer call() throws Exception {
            String prompt;
            try (HfTextTokenizer tok = HfTextTokenizer.load(modelDir)) {
                prompt = PromptBuilder.build(promptTokens, text -> tok.encode(text, true).length);
            }
            Map<String, Object> settings = settings(prompt);
            settings.put("decode_bytes_per_token", DecodeBytes.perToken(modelDir));
            settings.put("model_dir", modelDir.toAbsolutePath().toString());
            List<LoadTarget> targets = new ArrayList<>();
            targets.add(new BedrockHttpTarget(endpoint, modelId, Duration.ofSeconds(timeoutSeconds)));
            if (llamaGguf != null) {
                NativeStderr.echo(verbose);
                LlamaCppTarget plain = new LlamaCppTarget(llamaGguf, llamaThreads(), false);
                int llamaCount = plain.countTokens(prompt);
                if (llamaCount != promptTokens) {
                    System.err.printf("warning: llama.cpp tokenises the prompt to %d tokens, the model's tokenizer"
                            + " to %d%n", llamaCount, promptTokens);
                }
                settings.put("llamacpp_prompt_tokens", llamaCount);
                targets.add(plain);
                if (flashAttn) {
                    targets.add(new LlamaCppTarget(llamaGguf, llamaThreads(), true));
                }
            }
            return runAndReport(this, "load", targets, settings, prompt, repeats, List.of());
        }
    }

    @Command(name = "metrics-check", mixinStandardHelpOptions = true,
            description = "Drive a running server like `load` and check its /metrics against what the harness saw:"
                    + " counters moved by exactly the requests and tokens, latency quantiles within 10 %.")
    static final class MetricsCheck extends LoadOptions implements Callable<Integer> {
        @Option(names = "--endpoint", required = true, description = "e.g. http://127.0.0.1:8080")
        URI endpoint;
        @Option(names = "--model-id", defaultValue = "meta.llama2-13b-chat-v1", description = "default ${DEFAULT-VALUE}")
        String modelId;
        @Option(names = "--metrics-model-id", description = "the model_id label on /metrics (default: --model-id)")
        String metricsModelId;
        @Option(names = "--model-dir", required = true, description = "the served HF directory: its tokenizer sizes the prompt")
        Path modelDir;
        @Option(names = "--timeout-seconds", defaultValue = "600", description = "per request (default ${DEFAULT-VALUE})")
        int timeoutSeconds;

        @Override
        public Integer call() throws Exception {
            String prompt;
            try (HfTextTokenizer tok = HfTextTokenizer.load(modelDir)) {
                prompt = PromptBuilder.build(promptTokens, text -> tok.encode(text, true).length);
            }
            MetricsAgreement check = new MetricsAgreement(endpoint, metricsModelId != null ? metricsModelId : modelId);
            List<MetricsAgreement.Level> levels = new ArrayList<>();
            try (BedrockHttpTarget target = new BedrockHttpTarget(endpoint, modelId,
                    Duration.ofSeconds(timeoutSeconds))) {
                for (int c : concurrency) {
                    Workload w = workload(prompt, c);
                    System.err.printf(Locale.ROOT, "concurrency %d: %d requests of %d+%d tokens%n", c, w.requests(),
                            w.promptTokens(), w.outputTokens());
                    levels.add(check.run(target, c, w));
                }
            }
            System.out.print(MetricsAgreement.table(levels));
            return levels.stream().allMatch(MetricsAgreement.Level::agrees) ? 0 : 1;
        }
    }

    @Command(name = "llamacpp", mixinStandardHelpOptions = true,
            description = "Run the load in-process against llama.cpp (de.kherud:llama, AVX2 build) on a GGUF.")
    static final class LlamaCppCommand extends LoadOptions implements Callable<Integer> {
        @Option(names = "--gguf", required = true)
        Path gguf;
        @Option(names = "--compare", description = "a JSON written by `load`: print its server figures ÷ these")
        Path compare;
        @Option(names = "--repeats", defaultValue = "1", description = "rounds of all levels (median reported; default ${DEFAULT-VALUE})")
        int repeats;

        @Override
        public Integer call() throws Exception {
            NativeStderr.echo(verbose);
            LlamaCppTarget plain = new LlamaCppTarget(gguf, llamaThreads(), false);
            String prompt = PromptBuilder.build(promptTokens, plain::countTokens);
            List<LoadTarget> targets = new ArrayList<>(List.of(plain));
            if (flashAttn) {
                targets.add(new LlamaCppTarget(gguf, llamaThreads(), true));
            }
            List<Reports.Point> ours = compare == null ? List.of()
                    : Reports.readRuns(compare).stream().filter(p -> p.side().equals("server")).toList();
            return runAndReport(this, "llamacpp", targets, settings(prompt), prompt, repeats, ours);
        }
    }

    /** Runs every level on every target, alternating targets within a level, and prints/writes the results. */
    static int runAndReport(LoadOptions o, String command, List<LoadTarget> targets, Map<String, Object> settings,
                            String prompt, int repeats, List<Reports.Point> externalOurs) throws Exception {
        Map<String, List<RunResult>> byKey = new LinkedHashMap<>();
        Map<String, Map<String, Object>> sides = new LinkedHashMap<>();
        try {
            for (int rep = 0; rep < repeats; rep++) {
                for (int c : o.concurrency) {
                    for (LoadTarget t : targets) {
                        Workload w = o.workload(prompt, c);
                        System.err.printf(Locale.ROOT, "[%s] concurrency %d: %d requests of %d+%d tokens%s%n",
                                t.name(), c, w.requests(), w.promptTokens(), w.outputTokens(),
                                repeats > 1 ? " (round " + (rep + 1) + "/" + repeats + ")" : "");
                        RunResult r = LoadRunner.run(t, c, w);
                        if (t instanceof LlamaCppTarget l) {
                            reportLlamaTimings(l, o, w);
                        }
                        if (r.promptTokensMin() >= 0 && (r.promptTokensMin() != o.promptTokens
                                || r.promptTokensMax() != o.promptTokens)) {
                            System.err.printf("[%s] warning: the target reported %d..%d prompt tokens, not %d%n",
                                    t.name(), r.promptTokensMin(), r.promptTokensMax(), o.promptTokens);
                        }
                        if (r.ok() > 0 && r.outputTokensMin() < o.outputTokens) {
                            System.err.printf("[%s] warning: some requests stopped early (%d..%d output tokens, not"
                                    + " %d): the figures count the tokens actually produced%n", t.name(),
                                    r.outputTokensMin(), r.outputTokensMax(), o.outputTokens);
                        }
                        byKey.computeIfAbsent(t.name() + "@" + c, k -> new ArrayList<>()).add(r);
                        System.err.print(Reports.table(List.of(r)));
                    }
                }
            }
            for (LoadTarget t : targets) {
                sides.put(t.name(), t.describe());
            }
        } finally {
            for (LoadTarget t : targets) {
                t.close();
            }
        }
        List<RunResult> results = new ArrayList<>();
        for (List<RunResult> runs : byKey.values()) {
            List<RunResult> sorted = new ArrayList<>(runs);
            sorted.sort(Comparator.comparingDouble(RunResult::outputTokensPerSecond));
            results.add(sorted.get(sorted.size() / 2)); // the median round by throughput
        }
        System.out.println();
        System.out.print(Reports.table(results));
        List<double[]> ratios = new ArrayList<>();
        List<Reports.Point> ours = new ArrayList<>(externalOurs);
        results.stream().filter(r -> r.side().equals("server")).map(Reports.Point::of).forEach(ours::add);
        for (String peer : new String[] {"llama.cpp", "llama.cpp+fa"}) {
            List<Reports.Point> peers = results.stream().filter(r -> r.side().equals(peer)).map(Reports.Point::of)
                    .toList();
            if (!ours.isEmpty() && !peers.isEmpty()) {
                List<double[]> rs = Reports.ratios(ours, peers);
                System.out.println();
                System.out.print(Reports.ratioTable("server", peer, rs));
                if (peer.equals("llama.cpp")) {
                    ratios.addAll(rs);
                }
            }
        }
        if (targets.stream().anyMatch(t -> t instanceof LlamaCppTarget)) {
            System.out.println("note: llama.cpp is de.kherud:llama 4.1.0's build (b4916, AVX2 only), not the fastest"
                    + " llama.cpp this CPU can run");
        }
        if (o.json != null) {
            ObjectNode doc = Reports.document(command, settings, sides, results, ratios);
            Reports.write(o.json, doc);
            System.out.println("wrote " + o.json);
        }
        return results.stream().allMatch(r -> r.ok() > 0) ? 0 : 1;
    }

    /** What llama.cpp's own log says about the level just run (warm-up included): token counts and its times. */
    private static void reportLlamaTimings(LlamaCppTarget l, LoadOptions o, Workload w) {
        List<LlamaCpp.Timing> timings = l.collectTimings();
        if (timings.isEmpty()) {
            System.err.printf("[%s] llama.cpp's log was not captured: check its print_timings lines on stderr%n",
                    l.name());
            return;
        }
        long wrong = timings.stream().filter(x -> x.promptTokens() != o.promptTokens
                || x.decodedTokens() != o.outputTokens).count();
        double decodeMs = timings.stream().mapToDouble(LlamaCpp.Timing::decodeMillis).sum();
        long decoded = timings.stream().mapToLong(LlamaCpp.Timing::decodedTokens).sum();
        System.err.printf(Locale.ROOT, "[%s] llama.cpp's log: %d requests (incl. %d warm-up), prompt %d..%d tokens,"
                        + " decoded %d..%d tokens, %d not %d+%d; its per-request eval rate %.1f tokens/s%n", l.name(),
                timings.size(), w.warmup(),
                timings.stream().mapToInt(LlamaCpp.Timing::promptTokens).min().orElse(0),
                timings.stream().mapToInt(LlamaCpp.Timing::promptTokens).max().orElse(0),
                timings.stream().mapToInt(LlamaCpp.Timing::decodedTokens).min().orElse(0),
                timings.stream().mapToInt(LlamaCpp.Timing::decodedTokens).max().orElse(0), wrong, o.promptTokens,
                o.outputTokens, decodeMs > 0 ? decoded / (decodeMs / 1000) : 0);
    }

    // ---------------------------------------------------------------------------------------------------------------

    @Command(name = "reserved-latency", mixinStandardHelpOptions = true,
            description = "A provisioned model's inter-token latency idle and while on-demand streams saturate its base"
                    + " model, with the reservation and with the same requests sent on demand (benchmarks/README.md).")
    static final class ReservedLatency implements Callable<Integer> {
        @Option(names = "--endpoint", required = true, description = "e.g. http://127.0.0.1:8080")
        URI endpoint;
        @Option(names = "--model-id", defaultValue = "meta.llama2-13b-chat-v1", description = "default ${DEFAULT-VALUE}")
        String modelId;
        @Option(names = "--model-dir", required = true, description = "the served HF directory: its tokenizer sizes the prompts")
        Path modelDir;
        @Option(names = "--model-units", defaultValue = "1", description = "of the provisioned model (default ${DEFAULT-VALUE})")
        int modelUnits;
        @Option(names = "--prompt-tokens", defaultValue = "32", description = "measured stream's prompt (default ${DEFAULT-VALUE})")
        int promptTokens;
        @Option(names = "--output-tokens", defaultValue = "64", description = "measured stream's output (default ${DEFAULT-VALUE})")
        int outputTokens;
        @Option(names = "--requests", defaultValue = "6", description = "measured streams per phase, one at a time (default ${DEFAULT-VALUE})")
        int requests;
        @Option(names = "--flood-clients", defaultValue = "8", description = "closed-loop on-demand streams (default ${DEFAULT-VALUE})")
        int floodClients;
        @Option(names = "--flood-prompt-tokens", defaultValue = "768", description = "their prompts (default ${DEFAULT-VALUE})")
        int floodPromptTokens;
        @Option(names = "--flood-output-tokens", defaultValue = "64", description = "their output (default ${DEFAULT-VALUE})")
        int floodOutputTokens;
        @Option(names = "--ramp-up-seconds", defaultValue = "3", description = "flood before measuring (default ${DEFAULT-VALUE})")
        int rampUpSeconds;
        @Option(names = "--timeout-seconds", defaultValue = "300", description = "per request (default ${DEFAULT-VALUE})")
        int timeoutSeconds;
        @Option(names = "--json", description = "write the results as JSON here")
        Path json;

        @Override
        public Integer call() throws Exception {
            String prompt;
            String floodPrompt;
            try (HfTextTokenizer tok = HfTextTokenizer.load(modelDir)) {
                prompt = PromptBuilder.build(promptTokens, text -> tok.encode(text, true).length);
                floodPrompt = PromptBuilder.build(floodPromptTokens, text -> tok.encode(text, true).length);
            }
            Duration perPhase = Duration.ofSeconds(timeoutSeconds);
            Workload measured = new Workload(prompt, promptTokens, outputTokens, true, requests, 1, perPhase);
            Workload flood = new Workload(floodPrompt, floodPromptTokens, floodOutputTokens, true, 1, 0, perPhase);
            List<ReservedLatencyScenario.Phase> phases = new ReservedLatencyScenario(endpoint, modelId, modelUnits,
                    measured, flood, floodClients, Duration.ofSeconds(rampUpSeconds), perPhase).run();
            System.out.print(ReservedLatencyScenario.table(phases));
            if (json != null) {
                ObjectMapper mapper = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
                ObjectNode doc = mapper.createObjectNode();
                doc.put("tool", "reserved-latency");
                doc.set("machine", Reports.machine());
                Map<String, Object> settings = new LinkedHashMap<>();
                settings.put("model_id", modelId);
                settings.put("model_units", modelUnits);
                settings.put("prompt_tokens", promptTokens);
                settings.put("output_tokens", outputTokens);
                settings.put("requests_per_phase", requests);
                settings.put("flood_clients", floodClients);
                settings.put("flood_prompt_tokens", floodPromptTokens);
                settings.put("flood_output_tokens", floodOutputTokens);
                settings.put("ramp_up_seconds", rampUpSeconds);
                doc.set("settings", mapper.valueToTree(settings));
                doc.set("phases", mapper.valueToTree(ReservedLatencyScenario.json(phases)));
                mapper.writeValue(json.toFile(), doc);
            }
            return phases.stream().allMatch(p -> p.result().errorCount() == 0) ? 0 : 1;
        }
    }

    @Command(name = "bandwidth", mixinStandardHelpOptions = true,
            description = "Measure memory bandwidth (read/write/copy of large arrays) and the batch-1 decode bound.")
    static final class Bandwidth implements Callable<Integer> {
        @Option(names = "--threads", description = "default: cores")
        Integer threads;
        @Option(names = "--mib", defaultValue = "1024", description = "MiB per array (two arrays; default ${DEFAULT-VALUE})")
        int mib;
        @Option(names = "--passes", defaultValue = "5", description = "measured passes, best kept (default ${DEFAULT-VALUE})")
        int passes;
        @Option(names = "--model-dir", description = "HF directories: print their batch-1 decode bound")
        List<Path> modelDirs = new ArrayList<>();
        @Option(names = "--json", description = "write the results as JSON here")
        Path json;

        @Override
        public Integer call() throws Exception {
            int t = threads != null ? threads : Runtime.getRuntime().availableProcessors();
            BandwidthProbe.Result r = BandwidthProbe.run(t, (long) mib << 20, passes);
            System.out.printf(Locale.ROOT, "threads %d, %d MiB arrays, best of %d passes:%n", t, mib, passes);
            System.out.printf(Locale.ROOT, "  read  %6.1f GB/s%n  write %6.1f GB/s%n  copy  %6.1f GB/s (read + write)%n",
                    r.readGBps(), r.writeGBps(), r.copyGBps());
            ObjectMapper mapper = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
            ObjectNode doc = mapper.createObjectNode();
            doc.put("tool", "dev.localbedrock.benchmarks.BenchTool bandwidth");
            doc.put("date", java.time.OffsetDateTime.now().toString());
            doc.set("machine", Reports.machine());
            doc.put("threads", t);
            doc.put("array_mib", mib);
            doc.put("read_GBps", r.readGBps());
            doc.put("write_GBps", r.writeGBps());
            doc.put("copy_GBps", r.copyGBps());
            var models = doc.putArray("models");
            for (Path dir : modelDirs) {
                long bytes = DecodeBytes.perToken(dir);
                double bound = r.decodeBound(bytes);
                System.out.printf(Locale.ROOT, "  %s: %.1f MB of weights per decoded token → batch-1 bound %.1f"
                        + " tokens/s at the read bandwidth%n", dir, bytes / 1e6, bound);
                ObjectNode m = models.addObject();
                m.put("model_dir", dir.toAbsolutePath().toString());
                m.put("decode_bytes_per_token", bytes);
                m.put("batch1_bound_tokens_per_s", bound);
            }
            if (json != null) {
                Files.writeString(json, mapper.writeValueAsString(doc) + "\n");
                System.out.println("wrote " + json);
            }
            return 0;
        }
    }

    // ---------------------------------------------------------------------------------------------------------------

    @Command(name = "training-throughput", mixinStandardHelpOptions = true,
            description = "Training tokens/s of the fine-tuning trainer (DJL autograd, float32, AdamW) on HF"
                    + " checkpoints, LoRA and full fine-tuning, on random sequences (benchmarks/README.md).")
    static final class TrainingThroughput implements Callable<Integer> {
        @Option(names = "--model-dir", required = true, description = "HF Llama directories (one run each)")
        List<Path> modelDirs;
        @Option(names = "--method", split = ",", defaultValue = "lora,full", description = "lora, full (default ${DEFAULT-VALUE})")
        List<String> methods;
        @Option(names = "--batch", defaultValue = "8", description = "sequences per optimizer step (default ${DEFAULT-VALUE})")
        int batch;
        @Option(names = "--seq-tokens", defaultValue = "64", description = "tokens per sequence (default ${DEFAULT-VALUE})")
        int seqTokens;
        @Option(names = "--prompt-tokens", defaultValue = "16", description = "of them, prompt without loss (default ${DEFAULT-VALUE})")
        int promptTokens;
        @Option(names = "--warmup-steps", defaultValue = "2", description = "unmeasured steps first (default ${DEFAULT-VALUE})")
        int warmupSteps;
        @Option(names = "--steps", defaultValue = "10", description = "measured optimizer steps (default ${DEFAULT-VALUE})")
        int steps;
        @Option(names = "--threads", defaultValue = "0", description = "libtorch intra-op threads (default: libtorch's, one per core)")
        int threads;
        @Option(names = "--json", description = "write the results as JSON here")
        Path json;

        @Override
        public Integer call() throws Exception {
            ObjectMapper mapper = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
            ObjectNode doc = mapper.createObjectNode();
            doc.put("tool", "training-throughput");
            doc.set("machine", Reports.machine());
            doc.put("batch", batch);
            doc.put("seq_tokens", seqTokens);
            doc.put("prompt_tokens", promptTokens);
            doc.put("warmup_steps", warmupSteps);
            doc.put("steps", steps);
            doc.put("threads", threads);
            var runs = doc.putArray("runs");
            StringBuilder table = new StringBuilder(String.format("| model | method | trainable parameters "
                    + "| ms/step | tokens/s |%n|---|---|---|---|---|%n"));
            for (Path dir : modelDirs) {
                for (String name : methods) {
                    FineTuning m = FineTuning.valueOf(name.trim().toUpperCase(Locale.ROOT));
                    System.err.printf(Locale.ROOT, "%s %s: %d + %d steps of %d × %d tokens%n", dir, m, warmupSteps,
                            steps, batch, seqTokens);
                    TrainingThroughputProbe.Result r = TrainingThroughputProbe.run(dir, m, batch, seqTokens,
                            promptTokens, warmupSteps, steps, threads);
                    String row = String.format(Locale.ROOT, "| %s | %s | %,d | %.0f | %.0f |%n",
                            dir.getFileName(), m, r.trainableParameters(), r.millisPerStep(), r.tokensPerSecond());
                    System.err.print(row);
                    table.append(row);
                    ObjectNode n = runs.addObject();
                    n.put("model_dir", dir.toAbsolutePath().toString());
                    n.put("method", m.name());
                    n.put("trainable_parameters", r.trainableParameters());
                    n.put("measured_steps", r.steps());
                    n.put("tokens", r.tokens());
                    n.put("seconds", r.seconds());
                    n.put("tokens_per_second", r.tokensPerSecond());
                }
            }
            System.out.println();
            System.out.print(table);
            if (json != null) {
                Files.writeString(json, mapper.writeValueAsString(doc) + "\n");
                System.out.println("wrote " + json);
            }
            return 0;
        }
    }

    @Command(name = "training-interference", mixinStandardHelpOptions = true,
            description = "Start the server on a checkpoint; serving latency for a fixed time with no job, then the"
                    + " same load while a fine-tuning job (created through BedrockClient) trains the same model"
                    + " (benchmarks/README.md).")
    static final class TrainingInterference implements Callable<Integer> {
        @Option(names = "--model-dir", required = true, description = "the HF Llama directory to serve and fine-tune")
        Path modelDir;
        @Option(names = "--model-id", defaultValue = "meta.llama2-13b-chat-v1", description = "default ${DEFAULT-VALUE}")
        String modelId;
        @Option(names = "--family", defaultValue = "meta-llama2", description = "default ${DEFAULT-VALUE}")
        String family;
        @Option(names = "--context-tokens", defaultValue = "256", description = "max_context_tokens (default ${DEFAULT-VALUE})")
        int contextTokens;
        @Option(names = "--work-dir", description = "where models.yaml, the state, dataset and output go (default: a new temporary folder)")
        Path workDir;
        @Option(names = "--seconds", defaultValue = "60", description = "load per phase (default ${DEFAULT-VALUE})")
        int seconds;
        @Option(names = "--warmup-seconds", defaultValue = "10", description = "unmeasured load first (default ${DEFAULT-VALUE})")
        int warmupSeconds;
        @Option(names = "--concurrency", defaultValue = "2", description = "closed-loop streaming clients (default ${DEFAULT-VALUE})")
        int concurrency;
        @Option(names = "--prompt-tokens", defaultValue = "64", description = "load prompt, BOS included (default ${DEFAULT-VALUE})")
        int promptTokens;
        @Option(names = "--output-tokens", defaultValue = "32", description = "load output (default ${DEFAULT-VALUE})")
        int outputTokens;
        @Option(names = "--training-threads", defaultValue = "1", description = "customization.training_threads (default ${DEFAULT-VALUE})")
        int trainingThreads;
        @Option(names = "--serving-threads", description = "the model's intra_op_threads (default: --training-threads;"
                + " libtorch's pool is process-wide and the job sets it)")
        Integer servingThreads;
        @Option(names = "--method", defaultValue = "lora", description = "customization.method: lora | full (default ${DEFAULT-VALUE})")
        String method;
        @Option(names = "--records", defaultValue = "400", description = "training records; 10 epochs of them must outlast the phase (default ${DEFAULT-VALUE})")
        int records;
        @Option(names = "--batch-size", defaultValue = "1", description = "the job's batchSize, 1-4 (default ${DEFAULT-VALUE})")
        int batchSize;
        @Option(names = "--record-prompt-tokens", defaultValue = "48", description = "each record's input (default ${DEFAULT-VALUE})")
        int recordPromptTokens;
        @Option(names = "--json", description = "write the results as JSON here")
        Path json;

        @Override
        public Integer call() throws Exception {
            String prompt;
            String recordPrompt;
            try (HfTextTokenizer tok = HfTextTokenizer.load(modelDir)) {
                prompt = PromptBuilder.build(promptTokens, text -> tok.encode(text, true).length);
                recordPrompt = PromptBuilder.build(recordPromptTokens, text -> tok.encode(text, true).length);
            }
            Path dir = workDir != null ? workDir : Files.createTempDirectory("training-interference");
            int serving = servingThreads != null ? servingThreads : trainingThreads;
            Workload load = new Workload(prompt, promptTokens, outputTokens, true, Integer.MAX_VALUE, 1,
                    Duration.ofSeconds(seconds));
            TrainingInterferenceScenario.Settings settings = new TrainingInterferenceScenario.Settings(modelDir,
                    modelId, family, contextTokens, dir, load, concurrency, trainingThreads, serving, method, records,
                    batchSize, recordPrompt, "a short answer that the job learns to give for this record.",
                    Duration.ofSeconds(warmupSeconds));
            List<TrainingInterferenceScenario.Phase> phases = new TrainingInterferenceScenario(settings).run();
            System.out.println();
            System.out.print(TrainingInterferenceScenario.table(phases));
            if (json != null) {
                ObjectMapper mapper = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
                ObjectNode doc = mapper.createObjectNode();
                doc.put("tool", "training-interference");
                doc.set("machine", Reports.machine());
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("model_dir", modelDir.toAbsolutePath().toString());
                m.put("model_id", modelId);
                m.put("seconds_per_phase", seconds);
                m.put("warmup_seconds", warmupSeconds);
                m.put("concurrency", concurrency);
                m.put("prompt_tokens", promptTokens);
                m.put("output_tokens", outputTokens);
                m.put("training_threads", trainingThreads);
                m.put("serving_intra_op_threads", serving);
                m.put("method", method);
                m.put("records", records);
                m.put("batch_size", batchSize);
                m.put("record_prompt_tokens", recordPromptTokens);
                doc.set("settings", mapper.valueToTree(m));
                doc.set("phases", mapper.valueToTree(TrainingInterferenceScenario.json(phases)));
                mapper.writeValue(json.toFile(), doc);
                System.out.println("wrote " + json);
            }
            return phases.stream().allMatch(p -> p.load().errorCount() == 0 && p.load().ok() > 0) ? 0 : 1;
        }
    }
}
