package dev.localbedrock.engines.onnxruntime;

import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import com.fasterxml.jackson.databind.JsonNode;
import dev.localbedrock.engines.ContextTooLongException;
import dev.localbedrock.engines.EngineOptions;
import dev.localbedrock.engines.ModelInfo;
import dev.localbedrock.engines.hf.HfModelConfig;
import dev.localbedrock.engines.tokenizer.HfTextTokenizer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.Set;

/**
 * Turns a model directory and a decoder graph into an {@link OrtDecoderModel}: the per-sequence capacity against the
 * model's and the graph's position limits, the session, what kind of graph it is ({@link DecoderGraph},
 * {@link BuiltGraphMetadata}), the tokenizer, the special tokens, the KV budget, and for per-sequence graphs the
 * {@link CapabilityProbe}. Apart from the model because it changes when a new graph convention or config file is
 * supported, not when the sequence API or its accounting does; on any failure it leaves nothing open.
 */
final class OrtDecoderLoader {
    /** Same category as before the model was split into parts, so logging settings keep applying. */
    private static final Logger log = LoggerFactory.getLogger(OrtDecoderModel.class);

    private OrtDecoderLoader() {
    }

    /** See {@link OrtDecoderModel#contextLimit}. */
    static int contextLimit(Path modelDir, HfModelConfig config) throws IOException {
        return config.maxPositionEmbeddings() > 0 ? config.maxPositionEmbeddings()
                : DecoderGraph.genaiConfig(modelDir).path("model").path("context_length").asInt(0);
    }

    /** See {@link OrtDecoderModel#load(Path, Path, HfModelConfig, String, EngineOptions)}. */
    static OrtDecoderModel load(Path modelDir, Path graphFile, HfModelConfig config, String device,
                                EngineOptions options) throws IOException {
        EngineOptions opts = options == null ? EngineOptions.defaults() : options;
        JsonNode genai = DecoderGraph.genaiConfig(modelDir).path("model");
        int maxPos = contextLimit(modelDir, config);
        int capacity = opts.maxSequenceTokens() > 0 ? opts.maxSequenceTokens()
                : EngineOptions.defaultSequenceTokens(maxPos);
        if (maxPos > 0 && capacity > maxPos) {
            throw new ContextTooLongException(capacity, "the model's context length " + maxPos);
        }
        OrtRuntime.djlOffline();
        OrtEnvironment env = OrtRuntime.env();
        OrtSession session = null;
        HfTextTokenizer tokenizer = null;
        OrtDecoderModel model = null;
        long start = System.nanoTime();
        try (OrtSession.SessionOptions so = OrtRuntime.sessionOptions(device, opts.intraOpThreads(), false)) {
            session = env.createSession(graphFile.toString(), so);
            DecoderGraph graph = DecoderGraph.inspect(session, config);
            BuiltGraphMetadata built = BuiltGraphMetadata.read(session);
            if (built != null && built.maxPositions() > 0 && capacity > built.maxPositions()) {
                throw new ContextTooLongException(capacity, "the " + built.maxPositions() + " positions " + graphFile
                        + " was built for");
            }
            if (built != null && built.sharedKv() && (graph.stacked() || graph.positionIds() != null
                    || graph.attentionMask() == null)) {
                throw new IllegalArgumentException(graphFile + " says it is a gqa-shared-kv graph but does not have "
                        + "its inputs (attention_mask, past_key_values.N.key|value, no position_ids)");
            }
            tokenizer = HfTextTokenizer.load(modelDir, config);
            ModelInfo info = modelInfo(config, genai, graph, tokenizer, capacity);
            long pool = Math.max(capacity, opts.resolveKvCacheTokens(capacity, graph.bytesPerToken()));
            model = new OrtDecoderModel(env, session, graph, built, tokenizer, info, graphFile, device, capacity, pool);
            long ms = (System.nanoTime() - start) / 1_000_000;
            if (model.usesSharedKvArena()) {
                // decode rows at any positions share a run (right-padded mask); see batchesAcrossLengths()
                log.info("loaded built graph {} ({} layers, {}, {}, vocab {}) on {} in {} ms, capacity {} "
                                + "tokens/sequence, shared KV arena of {} sequences ({} MiB)", graphFile, graph.layers(),
                        built.variant().id(), built.quantization().id(), graph.vocabSize(),
                        device == null ? "cpu" : device, ms, capacity, model.arenaSlots(), model.arenaBytes() >> 20);
            } else {
                model.probeCapabilities();
                log.info("loaded {} ({} layers, {} cache, vocab {}{}) on {} in {} ms, capacity {} tokens/sequence, "
                                + "pool {} tokens, left-padded decode batching {}, multi-token chunks on a past {}",
                        graphFile, graph.layers(), graph.stacked() ? "stacked past_N" : "past_key_values",
                        graph.vocabSize(), built == null ? "" : ", built " + built.variant().id() + " "
                                + built.quantization().id(), device == null ? "cpu" : device, ms, capacity,
                        model.poolTokens(), model.batchesAcrossLengths() ? "on" : "off",
                        model.chunksOnPast() ? "yes" : "token by token");
            }
            return model;
        } catch (OrtException e) {
            closeQuietly(model, session, tokenizer);
            throw new IllegalArgumentException("ONNX Runtime cannot load " + graphFile + ": " + e.getMessage(), e);
        } catch (IOException | RuntimeException e) {
            closeQuietly(model, session, tokenizer);
            throw e;
        }
    }

    /** Once the model exists it owns the session and the tokenizer, so closing it closes them. */
    private static void closeQuietly(OrtDecoderModel model, OrtSession session, HfTextTokenizer tokenizer) {
        if (model != null) {
            model.close();
            return;
        }
        if (tokenizer != null) {
            tokenizer.close();
        }
        if (session != null) {
            try {
                session.close();
            } catch (OrtException e) {
                log.warn("closing session: {}", e.getMessage());
            }
        }
    }

    /** Special tokens from {@code config.json} (and its companions), else from {@code genai_config.json}. */
    private static ModelInfo modelInfo(HfModelConfig config, JsonNode genai, DecoderGraph graph,
                                       HfTextTokenizer tokenizer, int capacity) {
        int bos = tokenizer.bosTokenId() >= 0 ? tokenizer.bosTokenId()
                : config.bosTokenId() >= 0 ? config.bosTokenId() : genai.path("bos_token_id").asInt(-1);
        Set<Integer> eos = new LinkedHashSet<>(config.eosTokenIds());
        if (eos.isEmpty()) {
            JsonNode e = genai.path("eos_token_id");
            if (e.isArray()) {
                e.forEach(id -> eos.add(id.asInt()));
            } else if (e.isNumber()) {
                eos.add(e.asInt());
            }
        }
        String arch = !config.modelType().isEmpty() ? config.modelType() : genai.path("type").asText("");
        return new ModelInfo(arch, graph.vocabSize(), capacity, bos, Collections.unmodifiableSet(eos),
                tokenizer.addsBos());
    }
}
