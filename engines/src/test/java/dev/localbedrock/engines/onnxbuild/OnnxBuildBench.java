package dev.localbedrock.engines.onnxbuild;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OnnxValue;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import dev.localbedrock.engines.DecoderModel;
import dev.localbedrock.engines.DecoderModels;
import dev.localbedrock.engines.EngineKind;
import dev.localbedrock.engines.EngineOptions;
import dev.localbedrock.engines.SequenceState;
import dev.localbedrock.engines.synthetic.RandomLlamaCheckpoint;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.LongBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Throwaway decode-speed measurement, not part of the suite: {@code -Donnxbuild.bench=true}. Builds a 110M-shape
 * random Llama (dim 768, 12 layers, 12 heads, vocab 32000) and times batch-1 greedy decode steps of built graphs
 * (shared KV buffers, pinned logits, argmax in Java) and of the PyTorch engine, interleaved step by step in one JVM so
 * load from other processes hits every contender alike. Also prints the int8 graph's top-1 agreement with f32.
 */
@EnabledIfSystemProperty(named = "onnxbuild.bench", matches = "true")
class OnnxBuildBench {
    static final int THREADS = Integer.getInteger("onnxbuild.bench.threads", 2);
    static final int PROMPT = 16;
    static final int STEPS = Integer.getInteger("onnxbuild.bench.steps", 64);
    static final int CAPACITY = 256;

    interface Contender extends AutoCloseable {
        String name();

        /** Feeds {@code ids}, returns the logits of the last one. */
        float[] step(int[] ids) throws Exception;

        @Override
        void close() throws Exception;
    }

    @Test
    void decode() throws Exception {
        Path root = Paths.get(System.getProperty("onnxbuild.bench.dir", "/tmp/onnxbuild-bench"));
        Path ckpt = root.resolve("llama110m");
        if (!Files.exists(ckpt.resolve("model.safetensors"))) {
            RandomLlamaCheckpoint.write(ckpt, new RandomLlamaCheckpoint.Shape(768, 12, 12, 12, 2048, 32000, 1024), 7);
        }
        int[] prompt = new int[PROMPT];
        for (int i = 0; i < PROMPT; i++) {
            prompt[i] = 3 + (i * 37) % 250;
        }
        List<Contender> cs = new ArrayList<>();
        Map<String, BuiltGraph> graphs = new HashMap<>();
        for (String w : System.getProperty("onnxbuild.bench.which", "pt,f32,int8").split(",")) {
            if (w.equals("pt")) {
                cs.add(pytorch(ckpt));
                continue;
            }
            // "f32" or "int8": the GQA variant driven with shared KV buffers
            BuildOptions o = BuildOptions.defaults();
            if (w.startsWith("int8")) {
                o = o.withQuantization(BuildOptions.Quantization.INT8);
            }
            Path out = root.resolve("graph-" + w);
            long t0 = System.nanoTime();
            BuiltGraph g = OnnxGraphBuilder.build(ckpt, out, o);
            System.err.printf("[bench] build %s: %.1f s%n", w, (System.nanoTime() - t0) / 1e9);
            graphs.put(w, g);
            cs.add(ort(g, w));
        }

        int n = cs.size();
        long[][] times = new long[n][STEPS];
        int[][] tokens = new int[n][STEPS + 1];
        int[] next = new int[n];
        for (int c = 0; c < n; c++) {
            next[c] = GraphRunner.argmax(cs.get(c).step(prompt));
            tokens[c][0] = next[c];
        }
        // round-robin blocks of BLOCK steps: contenders never run concurrently, load spreads over all of them
        int block = 8;
        for (int start = 0; start < STEPS; start += block) {
            for (int c = 0; c < n; c++) {
                for (int step = start; step < Math.min(STEPS, start + block); step++) {
                    long t = System.nanoTime();
                    float[] l = cs.get(c).step(new int[] {next[c]});
                    next[c] = GraphRunner.argmax(l);
                    times[c][step] = System.nanoTime() - t;
                    tokens[c][step + 1] = next[c];
                }
            }
        }
        for (int c = 0; c < n; c++) {
            report(cs.get(c).name(), times[c]);
        }
        for (int c = 1; c < n; c++) {
            int same = 0;
            while (same <= STEPS && tokens[c][same] == tokens[0][same]) {
                same++;
            }
            System.err.printf("[bench] %s vs %s: first %d of %d greedy tokens identical%n", cs.get(c).name(),
                    cs.get(0).name(), same, STEPS + 1);
        }
        for (Contender c : cs) {
            c.close();
        }
        // teacher-forced top-1 agreement of int8 with f32 on the f32 greedy sequence
        int f32 = -1;
        for (int c = 0; c < n; c++) {
            f32 = cs.get(c).name().equals("onnx-f32") ? c : f32;
        }
        if (f32 >= 0 && graphs.containsKey("int8")) {
            try (Contender q = ort(graphs.get("int8"), "int8")) {
                int agree = 0;
                int[] ids = prompt;
                for (int i = 0; i <= STEPS; i++) {
                    agree += GraphRunner.argmax(q.step(ids)) == tokens[f32][i] ? 1 : 0;
                    ids = new int[] {tokens[f32][i]};
                }
                System.err.printf("[bench] int8 teacher-forced top-1 agreement with f32: %d/%d = %.0f%%%n", agree,
                        STEPS + 1, 100.0 * agree / (STEPS + 1));
            }
        }
    }

    private static Contender pytorch(Path ckpt) {
        DecoderModel m = DecoderModels.load(ckpt, EngineKind.PYTORCH, "cpu", new EngineOptions(CAPACITY, THREADS));
        SequenceState s = m.newSequence();
        return new Contender() {
            public String name() {
                return "pytorch";
            }

            public float[] step(int[] ids) {
                return m.forward(List.of(s), List.of(ids))[0];
            }

            public void close() {
                s.close();
                m.close();
            }
        };
    }

    private static Contender ort(BuiltGraph g, String label) throws Exception {
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        GraphSpec spec = g.spec();
        OrtSession.SessionOptions so = new OrtSession.SessionOptions();
        so.setIntraOpNumThreads(THREADS);
        so.setInterOpNumThreads(1);
        long t0 = System.nanoTime();
        OrtSession session = env.createSession(g.modelFile().toString(), so);
        System.err.printf("[bench] %s session load %.2f s%n", label, (System.nanoTime() - t0) / 1e9);
        Map<String, OnnxTensor> kv = new HashMap<>();
        for (int l = 0; l < spec.numLayers(); l++) {
            for (String[] names : new String[][] {{GraphSpec.pastKey(l), GraphSpec.presentKey(l)},
                    {GraphSpec.pastValue(l), GraphSpec.presentValue(l)}}) {
                FloatBuffer b = ByteBuffer.allocateDirect(spec.numKvHeads() * CAPACITY * spec.headDim() * 4)
                        .order(ByteOrder.nativeOrder()).asFloatBuffer();
                OnnxTensor t = OnnxTensor.createTensor(env, b, new long[] {1, spec.numKvHeads(), CAPACITY,
                        spec.headDim()});
                kv.put(names[0], t);
                kv.put(names[1], t);
            }
        }
        FloatBuffer logitsBuf = ByteBuffer.allocateDirect(spec.vocabSize() * 4).order(ByteOrder.nativeOrder())
                .asFloatBuffer();
        OnnxTensor logits = OnnxTensor.createTensor(env, logitsBuf, new long[] {1, 1, spec.vocabSize()});
        int[] len = {0};
        return new Contender() {
            public String name() {
                return "onnx-" + label;
            }

            public float[] step(int[] ids) throws Exception {
                len[0] += ids.length;
                long[] idArr = Arrays.stream(ids).asLongStream().toArray();
                long[] mask = new long[len[0]];
                Arrays.fill(mask, 1);
                try (OnnxTensor idT = OnnxTensor.createTensor(env, LongBuffer.wrap(idArr), new long[] {1, ids.length});
                     OnnxTensor maskT = OnnxTensor.createTensor(env, LongBuffer.wrap(mask), new long[] {1, len[0]})) {
                    Map<String, OnnxTensor> in = new HashMap<>();
                    in.put(GraphSpec.INPUT_IDS, idT);
                    in.put(GraphSpec.ATTENTION_MASK, maskT);
                    Map<String, OnnxValue> pinned = new HashMap<>();
                    pinned.put(GraphSpec.LOGITS, logits);
                    for (int l = 0; l < spec.numLayers(); l++) {
                        in.put(GraphSpec.pastKey(l), kv.get(GraphSpec.pastKey(l)));
                        in.put(GraphSpec.pastValue(l), kv.get(GraphSpec.pastValue(l)));
                        pinned.put(GraphSpec.presentKey(l), kv.get(GraphSpec.presentKey(l)));
                        pinned.put(GraphSpec.presentValue(l), kv.get(GraphSpec.presentValue(l)));
                    }
                    session.run(in, Set.of(), pinned).close();
                }
                float[] out = new float[spec.vocabSize()];
                logitsBuf.get(0, out);
                return out;
            }

            public void close() throws Exception {
                for (OnnxTensor t : new java.util.HashSet<>(kv.values())) {
                    t.close();
                }
                logits.close();
                session.close();
                so.close();
            }
        };
    }

    private static void report(String what, long[] times) {
        long[] s = times.clone();
        Arrays.sort(s);
        double median = s[s.length / 2] / 1e6;
        System.err.printf("[bench] %-16s median step %6.2f ms -> %5.1f tokens/s (p10 %.2f ms = %.1f tokens/s, p90 %.2f ms)%n",
                what, median, 1000 / median, s[s.length / 10] / 1e6, 1e9 / s[s.length / 10], s[s.length * 9 / 10] / 1e6);
    }
}
