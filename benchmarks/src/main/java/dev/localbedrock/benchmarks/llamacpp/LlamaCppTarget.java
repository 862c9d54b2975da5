package dev.localbedrock.benchmarks.llamacpp;

import de.kherud.llama.InferenceParameters;
import de.kherud.llama.LlamaIterator;
import de.kherud.llama.LlamaModel;
import dev.localbedrock.benchmarks.gguf.GgufFile;
import dev.localbedrock.benchmarks.load.LoadTarget;
import dev.localbedrock.benchmarks.load.RequestSample;
import dev.localbedrock.benchmarks.load.Workload;

import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The same load run in-process against llama.cpp on the GGUF of the same weights: one model per concurrency level
 * with {@code parallel} slots = concurrency (context = slots × (prompt + output + margin)), the same thread count
 * for generation and batch, {@code cache_prompt} off, greedy, {@code ignore_eos} and {@code n_predict} so every
 * request decodes exactly the requested tokens. N Java threads each run one request at a time; llama.cpp batches
 * them on its own thread.
 *
 * <p>The Java API streams text pieces, not token ids: a piece normally is one token, but llama.cpp holds back a
 * token whose bytes end inside a UTF-8 character and sends it with the next, so inter-token gaps here are per piece.
 * Output counts are {@code n_predict} (checked against llama.cpp's own timing log after each level).
 */
public final class LlamaCppTarget implements LoadTarget {
    private final Path gguf;
    private final int threads;
    private final boolean flashAttention;
    private final boolean addBos;
    private LlamaModel model;
    private String systemInfo = "";

    public LlamaCppTarget(Path gguf, int threads, boolean flashAttention) throws IOException {
        NativeStderr.install();
        this.gguf = gguf;
        this.threads = threads;
        this.flashAttention = flashAttention;
        Object add = GgufFile.read(gguf).metadata().get("tokenizer.ggml.add_bos_token");
        this.addBos = add == null || Boolean.TRUE.equals(add);
    }

    @Override
    public String name() {
        return flashAttention ? "llama.cpp+fa" : "llama.cpp";
    }

    /** Tokens llama.cpp sees for a text prompt (BOS included when the GGUF says to add it). */
    public int countTokens(String text) {
        ensureModel(1, 64);
        return model.encode(text).length + (addBos ? 1 : 0);
    }

    private void ensureModel(int parallel, int contextTokens) {
        if (model == null) {
            model = LlamaCpp.load(new LlamaCpp.Settings(gguf, contextTokens, parallel, threads, flashAttention));
            systemInfo = LlamaCpp.systemInfo(NativeStderr.drain());
        }
    }

    @Override
    public void prepare(int concurrency, Workload w) {
        closeModel();
        int perSlot = (w.promptTokens() + w.outputTokens() + 16 + 63) / 64 * 64;
        model = LlamaCpp.load(new LlamaCpp.Settings(gguf, concurrency * perSlot, concurrency, threads,
                flashAttention));
        List<String> log = NativeStderr.drain();
        String info = LlamaCpp.systemInfo(log);
        if (!info.isEmpty()) {
            systemInfo = info;
        }
    }

    @Override
    public void run(Workload w, RequestSample s) {
        s.promptTokens(w.promptTokens());
        InferenceParameters params = LlamaCpp.greedy(w.prompt(), w.outputTokens(), true);
        if (w.stream()) {
            stream(model, params, w.outputTokens(), s);
            return;
        }
        try {
            model.complete(params);
            s.outputTokens(w.outputTokens());
        } catch (RuntimeException e) {
            s.fail(e.toString());
        } finally {
            s.end(System.nanoTime());
        }
    }

    /**
     * Reads llama.cpp's log since the last call: per-request prompt and decode counts and times. llama.cpp prints a
     * request's timings just after handing back its result, so this waits until the log has been quiet for 300 ms
     * (at most 3 s).
     */
    public List<LlamaCpp.Timing> collectTimings() {
        List<String> lines = new java.util.ArrayList<>(NativeStderr.drain());
        long deadline = System.nanoTime() + 3_000_000_000L;
        long quietSince = System.nanoTime();
        while (System.nanoTime() < deadline && System.nanoTime() - quietSince < 300_000_000L) {
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
            List<String> more = NativeStderr.drain();
            if (!more.isEmpty()) {
                lines.addAll(more);
                quietSince = System.nanoTime();
            }
        }
        return LlamaCpp.timings(lines);
    }

    public String systemInfo() {
        return systemInfo;
    }

    @Override
    public Map<String, Object> describe() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("gguf", gguf.toAbsolutePath().toString());
        m.put("library", "de.kherud:llama 4.1.0 (llama.cpp b4916, AVX2-only build)");
        m.put("threads", threads);
        m.put("flash_attention", flashAttention);
        m.put("cache_prompt", false);
        m.put("ignore_eos", true);
        m.put("system_info", systemInfo);
        return m;
    }

    private void closeModel() {
        if (model != null) {
            model.close();
            model = null;
        }
    }

    @Override
    public void close() {
        closeModel();
    }

    /**
     * Streams one request and times each piece: every piece but the final (empty, stop) message is counted as one
     * token; the request's output count is {@code expectedTokens} (n_predict with ignore_eos).
     */
    static void stream(LlamaModel model, InferenceParameters params, int expectedTokens, RequestSample s) {
        int pieces = 0;
        try {
            LlamaIterator it = (LlamaIterator) model.generate(params).iterator();
            while (it.hasNext()) {
                it.next();
                long now = System.nanoTime();
                if (it.hasNext()) {
                    s.tokensAt(now, ++pieces);
                }
            }
            s.outputTokens(Math.max(pieces, expectedTokens));
        } catch (RuntimeException e) {
            s.fail(e.toString());
        } finally {
            s.end(System.nanoTime());
        }
    }
}
