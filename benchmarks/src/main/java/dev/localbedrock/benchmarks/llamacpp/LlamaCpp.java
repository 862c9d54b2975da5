package dev.localbedrock.benchmarks.llamacpp;

import de.kherud.llama.InferenceParameters;
import de.kherud.llama.LlamaModel;
import de.kherud.llama.ModelParameters;

import java.lang.reflect.Field;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * llama.cpp in-process through {@code de.kherud:llama} (its native library ships in the jar and is extracted to the
 * temp directory: nothing is downloaded). That build is llama.cpp b4916's server code compiled for AVX2 only.
 *
 * <p>llama.cpp logs to the process's stderr from native code; {@link NativeStderr} can capture it so callers can
 * read what llama.cpp itself reports: the system info line and each request's {@code print_timings} block.
 */
public final class LlamaCpp {
    private static final Pattern PROMPT_EVAL = Pattern.compile("prompt eval time =\\s*([0-9.]+) ms /\\s*(\\d+) tokens");
    private static final Pattern EVAL = Pattern.compile("^\\s*eval time =\\s*([0-9.]+) ms /\\s*(\\d+) tokens");

    private LlamaCpp() {
    }

    /** Settings of one llama.cpp instance. */
    public record Settings(Path gguf, int contextTokens, int parallel, int threads, boolean flashAttention) {
    }

    /** Loads a model (llama.cpp's server context with {@code parallel} slots sharing {@code contextTokens}). */
    public static synchronized LlamaModel load(Settings s) {
        ModelParameters p = new ModelParameters()
                .setModel(s.gguf().toAbsolutePath().toString())
                .setCtxSize(s.contextTokens())
                .setParallel(s.parallel())
                .setThreads(s.threads())
                .setThreadsBatch(s.threads())
                .setGpuLayers(0);
        if (s.flashAttention()) {
            p.enableFlashAttn();
        }
        return new LlamaModel(p);
    }

    /** The {@code system_info} line llama.cpp logged (its CPU features, e.g. AVX2 = 1, AVX512 absent). */
    public static String systemInfo(List<String> log) {
        return log.stream().filter(l -> l.startsWith("system_info")).findFirst().orElse("").trim();
    }

    /** Per-request timings from llama.cpp's {@code print_timings} lines. */
    public record Timing(int promptTokens, double promptMillis, int decodedTokens, double decodeMillis) {
    }

    public static List<Timing> timings(List<String> log) {
        List<Timing> out = new ArrayList<>();
        Matcher pending = null;
        for (String line : log) {
            Matcher pm = PROMPT_EVAL.matcher(line);
            if (pm.find()) {
                pending = pm;
                continue;
            }
            Matcher em = EVAL.matcher(line);
            if (pending != null && em.find()) {
                out.add(new Timing(Integer.parseInt(pending.group(2)), Double.parseDouble(pending.group(1)),
                        Integer.parseInt(em.group(2)), Double.parseDouble(em.group(1))));
                pending = null;
            }
        }
        return out;
    }

    /** Greedy, no prompt cache, exactly {@code nPredict} tokens when {@code ignoreEos}. */
    public static InferenceParameters greedy(String prompt, int nPredict, boolean ignoreEos) {
        return new InferenceParameters(prompt)
                .setNPredict(nPredict)
                .setTemperature(0f)
                .setSeed(0)
                .setCachePrompt(false)
                .setIgnoreEos(ignoreEos);
    }

    /**
     * As {@link #greedy}, with the prompt given as token ids (used as they are: no BOS is added). The Java API only
     * takes text prompts, while llama.cpp's server accepts an array of ids; the parameter map is package-private, so
     * it is set by reflection.
     */
    public static InferenceParameters greedy(int[] promptIds, int nPredict, boolean ignoreEos) {
        InferenceParameters p = greedy("", nPredict, ignoreEos);
        parameterMap(p).put("prompt", Arrays.stream(promptIds).mapToObj(Integer::toString)
                .collect(Collectors.joining(",", "[", "]")));
        return p;
    }

    @SuppressWarnings("unchecked")
    private static Map<String, String> parameterMap(InferenceParameters p) {
        try {
            Field f = p.getClass().getSuperclass().getDeclaredField("parameters");
            f.setAccessible(true);
            return (Map<String, String>) f.get(p);
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("de.kherud.llama's InferenceParameters changed shape: " + e, e);
        }
    }
}
