package dev.localbedrock.runtime;

import dev.localbedrock.codecs.EmbeddingFamilies;
import dev.localbedrock.codecs.TextFamilies;
import dev.localbedrock.engines.ContextTooLongException;
import dev.localbedrock.engines.DecoderModel;
import dev.localbedrock.engines.DecoderModels;
import dev.localbedrock.engines.EmbeddingModel;
import dev.localbedrock.engines.EmbeddingModels;
import dev.localbedrock.engines.EngineKind;
import dev.localbedrock.engines.EngineOptions;
import dev.localbedrock.runtime.catalog.Catalog;
import dev.localbedrock.runtime.catalog.GeneratedModels;
import dev.localbedrock.runtime.catalog.ModelEntry;
import dev.localbedrock.runtime.catalog.ModelIdResolver;
import dev.localbedrock.runtime.embedding.EmbeddingWorker;
import dev.localbedrock.runtime.generation.ModelWorker;
import dev.localbedrock.runtime.generation.WorkerHooks;
import dev.localbedrock.runtime.generation.WorkerSettings;
import dev.localbedrock.runtime.http.RuntimeApi;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * The loaded catalogue: every served id mapped to its codec and worker. Entries naming the same source, engine and
 * device share one loaded model and one worker, so serving a model under several ids costs its memory once. Text
 * families get a continuous-batching {@link ModelWorker}, embedding families an {@link EmbeddingWorker}.
 */
public final class ModelRegistry implements RuntimeApi, AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(ModelRegistry.class);

    private final List<ServedModel> served;
    private final List<DecoderModel> models;
    private final List<ModelWorker> workers;
    private final List<EmbeddingWorker> embeddingWorkers;
    private final ModelIdResolver<ServedModel> resolver;

    private ModelRegistry(List<ServedModel> served, List<DecoderModel> models, List<ModelWorker> workers,
                          List<EmbeddingWorker> embeddingWorkers) {
        this.served = List.copyOf(served);
        this.models = List.copyOf(models);
        this.workers = List.copyOf(workers);
        this.embeddingWorkers = List.copyOf(embeddingWorkers);
        this.resolver = new ModelIdResolver<>(ModelIdResolver.index(served, s -> ids(s.entry()), s -> s));
    }

    /** Loads every model of the catalogue (writing generated ones first), with FIFO admission and in-memory metrics. */
    public static ModelRegistry load(Catalog catalog) {
        return load(catalog, entry -> WorkerHooks.defaults());
    }

    /**
     * Loads every model of the catalogue; {@code hooks} supplies each worker's admission policy and metrics sink
     * (called with the first entry of every shared model).
     */
    public static ModelRegistry load(Catalog catalog, Function<ModelEntry, WorkerHooks> hooks) {
        Map<String, ModelWorker> workerByKey = new LinkedHashMap<>();
        Map<String, EmbeddingWorker> embedderByKey = new LinkedHashMap<>();
        List<DecoderModel> models = new ArrayList<>();
        List<ServedModel> served = new ArrayList<>();
        try {
            for (ModelEntry configured : catalog.models()) {
                String key = configured.source().key() + "|" + configured.engine() + "|" + configured.device() + "|"
                        + configured.onnx().quantize() + "|" + configured.onnx().variant();
                if (EmbeddingFamilies.names().contains(configured.family())) {
                    EmbeddingWorker embedder = embedderByKey.get(key);
                    if (embedder == null) {
                        embedder = loadEmbedding(configured);
                        embedderByKey.put(key, embedder);
                    }
                    served.add(new ServedModel.Embedding(configured, EmbeddingFamilies.forName(configured.family()),
                            embedder));
                    continue;
                }
                Path dir = directoryOf(configured.source());
                // The context (and the KV budget sized by it) follows the model unless models.yaml sets it.
                ModelEntry entry = configured.withModelContext(DecoderModels.defaultContextTokens(dir));
                ModelWorker worker = workerByKey.get(key);
                if (worker == null) {
                    log.info("loading {} from {} on {} ({})", entry.id(), dir, entry.device(), entry.engine());
                    DecoderModel model = loadDecoder(entry, dir);
                    models.add(model);
                    worker = new ModelWorker(entry.id(), model, settings(entry), hooks.apply(entry));
                    workerByKey.put(key, worker);
                }
                served.add(new ServedModel.Text(entry, TextFamilies.forName(entry.family()).configured(entry.wire()),
                        worker));
            }
        } catch (RuntimeException e) {
            workerByKey.values().forEach(ModelWorker::close);
            models.forEach(DecoderModel::close);
            embedderByKey.values().forEach(EmbeddingWorker::close);
            throw e;
        }
        return new ModelRegistry(served, models, new ArrayList<>(workerByKey.values()),
                new ArrayList<>(embedderByKey.values()));
    }

    /** Loads a text model; a refused setting is reported under the models.yaml key that set it. */
    private static DecoderModel loadDecoder(ModelEntry entry, Path dir) {
        try {
            return DecoderModels.load(dir, EngineKind.parse(entry.engine()), entry.device(),
                    new EngineOptions(entry.maxContextTokens(), entry.intraOpThreads(),
                            (int) Math.min(Integer.MAX_VALUE, entry.batching().kvCacheTokens()),
                            entry.onnx().quantize(), entry.onnx().variant(), entry.onnx().cacheDir()));
        } catch (ContextTooLongException e) {
            throw new IllegalArgumentException("model '" + entry.id() + "' (" + dir + "): "
                    + e.describe("max_context_tokens"), e);
        }
    }

    /** Loads an embedding model (ONNX Runtime) and starts its worker; the worker owns the model from then on. */
    private static EmbeddingWorker loadEmbedding(ModelEntry entry) {
        String source = entry.source() instanceof ModelEntry.Directory d ? d.path().toString() : entry.source().key();
        log.info("loading embedding model {} from {} on {} ({})", entry.id(), source, entry.device(), entry.engine());
        EmbeddingModel model;
        try {
            model = EmbeddingModels.load(source, entry.device());
        } catch (RuntimeException e) {
            throw new IllegalStateException("cannot load embedding model " + entry.id() + " from " + source + ": "
                    + e.getMessage(), e);
        }
        return new EmbeddingWorker(entry.id(), model, entry.maxQueue(), entry.requestTimeout());
    }

    private static WorkerSettings settings(ModelEntry entry) {
        ModelEntry.Batching b = entry.batching();
        return new WorkerSettings(entry.maxContextTokens(), entry.maxQueue(), entry.requestTimeout(), entry.seed(),
                b.maxRunningSequences(), b.maxTokensPerStep(), b.kvCacheTokens(), b.maxQueueWait());
    }

    private static Path directoryOf(ModelEntry.ModelSource source) {
        if (source instanceof ModelEntry.Directory d) {
            return d.path();
        }
        if (source instanceof ModelEntry.Generated g) {
            return GeneratedModels.ensure(g);
        }
        throw new IllegalStateException(source.key() + " is an embedding model, not a text generation model");
    }

    private static List<String> ids(ModelEntry entry) {
        List<String> ids = new ArrayList<>();
        ids.add(entry.id());
        ids.addAll(entry.aliases());
        return ids;
    }

    @Override
    public ServedModel resolve(String modelId) {
        return resolver.resolve(modelId);
    }

    public List<ServedModel> served() {
        return served;
    }

    /** Lets running generations and queued embeddings finish within the grace period, then frees every model. */
    public void shutdown(long graceMillis) {
        long deadline = System.currentTimeMillis() + graceMillis;
        // Embedding queues drain in milliseconds; generations get what is left of the grace period.
        for (EmbeddingWorker worker : embeddingWorkers) {
            worker.shutdown(Math.max(1, deadline - System.currentTimeMillis()));
        }
        for (ModelWorker worker : workers) {
            worker.shutdown(Math.max(1, deadline - System.currentTimeMillis()));
        }
        for (DecoderModel model : models) {
            try {
                model.close();
            } catch (RuntimeException e) {
                log.warn("closing a model failed", e);
            }
        }
    }

    @Override
    public void close() {
        shutdown(0);
    }
}
