package dev.localbedrock.runtime.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.localbedrock.codecs.inference.SamplingParameters;
import dev.localbedrock.engines.ContextTooLongException;
import dev.localbedrock.engines.DecoderModel;
import dev.localbedrock.engines.DecoderModels;
import dev.localbedrock.engines.EngineKind;
import dev.localbedrock.engines.EngineOptions;
import dev.localbedrock.runtime.generation.BatchGenerator;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * Offline generation straight from a model directory, so any checkpoint can be checked against a reference
 * implementation from outside: token ids in, token ids and text out.
 */
@Command(name = "generate", mixinStandardHelpOptions = true,
        description = "Generate from a model directory without the server.")
final class GenerateCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--model", required = true, description = "HF checkpoint directory (config.json, *.safetensors, tokenizer.json).")
    Path model;

    @Option(names = "--engine", defaultValue = "pytorch", description = "pytorch or onnxruntime (default: ${DEFAULT-VALUE}).")
    String engine;

    @Option(names = "--device", defaultValue = "cpu", description = "cpu, cuda or cuda:N (default: ${DEFAULT-VALUE}).")
    String device;

    @ArgGroup(exclusive = true, multiplicity = "1")
    Prompts prompts;

    static final class Prompts {
        @Option(names = "--prompt", description = "Prompt text (encoded with the model's BOS). May repeat: one row each.")
        List<String> texts;

        @Option(names = "--prompt-ids", split = ",", description = "Comma-separated token ids. May repeat: one batch row each.")
        List<String> idRows;
    }

    @Option(names = "--max-new-tokens", defaultValue = "32", description = "Tokens to generate per row (default: ${DEFAULT-VALUE}).")
    int maxNewTokens;

    @Option(names = "--greedy", description = "Argmax decoding (the default when no --temperature is given).")
    boolean greedy;

    @Option(names = "--temperature", description = "Sampling temperature (> 0).")
    Float temperature;

    @Option(names = "--top-p", defaultValue = "1.0", description = "Nucleus mass in (0, 1]; 1 disables (default: ${DEFAULT-VALUE}).")
    float topP;

    @Option(names = "--top-k", defaultValue = "0", description = "Keep the k most likely tokens; 0 disables (default: ${DEFAULT-VALUE}).")
    int topK;

    @Option(names = "--seed", defaultValue = "0", description = "Sampling seed; row r uses seed + r (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--no-kv-cache", description = "Recompute the whole prefix every step (the oracle for the KV cache).")
    boolean noKvCache;

    @Option(names = "--max-context-tokens", defaultValue = "0",
            description = "KV capacity per row (default: the model's own limit, at most 2048).")
    int maxContextTokens;

    @Option(names = "--threads", defaultValue = "0", description = "Engine intra-op threads; 0 = engine default.")
    int threads;

    @Option(names = "--json", description = "Print {\"sequences\":[{\"prompt_ids\",\"generated_ids\",\"text\"}]}.")
    boolean json;

    /** Loads the model; a refused context is reported under this command's flag, not the engine's option name. */
    private DecoderModel load() {
        try {
            return DecoderModels.load(model, EngineKind.parse(engine), device,
                    new EngineOptions(maxContextTokens, threads));
        } catch (ContextTooLongException e) {
            throw new IllegalArgumentException(e.describe("--max-context-tokens"), e);
        }
    }

    @Override
    public Integer call() throws Exception {
        SamplingParameters sampling = sampling();
        if (maxNewTokens < 1) {
            throw new ParameterException(spec.commandLine(), "--max-new-tokens must be at least 1");
        }
        List<int[]> idRows = prompts.idRows != null ? idRows() : null;
        try (DecoderModel decoder = load()) {
            List<int[]> rows = idRows != null ? idRows : textRows(decoder);
            List<int[]> generated = new BatchGenerator(decoder)
                    .generate(rows, maxNewTokens, sampling, seed, noKvCache);
            print(decoder, rows, generated);
        }
        return 0;
    }

    private SamplingParameters sampling() {
        if (greedy && temperature != null) {
            throw new ParameterException(spec.commandLine(), "--greedy and --temperature exclude each other");
        }
        if (temperature == null || temperature == 0f) {
            return new SamplingParameters(0f, 1f, 0, seed);
        }
        if (!(temperature > 0f) || !(topP > 0f && topP <= 1f) || topK < 0) {
            throw new ParameterException(spec.commandLine(),
                    "need --temperature > 0, --top-p in (0, 1], --top-k >= 0");
        }
        return new SamplingParameters(temperature, topP, topK, seed);
    }

    private List<int[]> textRows(DecoderModel decoder) {
        List<int[]> rows = new ArrayList<>();
        for (String text : prompts.texts) {
            rows.add(decoder.tokenizer().encode(text, true));
        }
        return rows;
    }

    /** Parsed before the model loads, so a typo fails at once with a usage error. */
    private List<int[]> idRows() {
        List<int[]> rows = new ArrayList<>();
        // picocli splits every occurrence on ',' into one flat list; re-split rows by the original arguments.
        for (String arg : spec.commandLine().getParseResult().matchedOption("--prompt-ids").originalStringValues()) {
            try {
                rows.add(Arrays.stream(arg.split(",")).map(String::trim).mapToInt(Integer::parseInt).toArray());
            } catch (NumberFormatException e) {
                throw new ParameterException(spec.commandLine(), "--prompt-ids takes comma-separated integers: " + arg);
            }
        }
        return rows;
    }

    private void print(DecoderModel decoder, List<int[]> rows, List<int[]> generated) throws Exception {
        ObjectMapper mapper = new ObjectMapper();
        ObjectNode root = mapper.createObjectNode();
        ArrayNode sequences = root.putArray("sequences");
        for (int r = 0; r < rows.size(); r++) {
            ObjectNode seq = sequences.addObject();
            ArrayNode p = seq.putArray("prompt_ids");
            Arrays.stream(rows.get(r)).forEach(p::add);
            ArrayNode g = seq.putArray("generated_ids");
            Arrays.stream(generated.get(r)).forEach(g::add);
            seq.put("text", decoder.tokenizer().decode(generated.get(r)));
        }
        if (json) {
            System.out.println(mapper.writeValueAsString(root));
        } else {
            for (var seq : sequences) {
                System.out.println("prompt_ids    " + seq.get("prompt_ids"));
                System.out.println("generated_ids " + seq.get("generated_ids"));
                System.out.println("text          " + seq.get("text").asText());
            }
        }
    }
}
