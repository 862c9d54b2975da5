package dev.localbedrock.runtime;

import dev.localbedrock.codecs.EmbeddingFamilies;
import dev.localbedrock.engines.EmbeddingModel;
import dev.localbedrock.engines.EmbeddingModels;
import dev.localbedrock.runtime.catalog.ModelEntry;
import dev.localbedrock.runtime.embedding.EmbeddingWorker;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.LinkedHashMap;
import java.util.Map;

/** Embeddings: an ONNX Runtime encoder per shared source, each behind a bounded {@link EmbeddingWorker}. */
final class EmbeddingModality implements Modality {
    private static final Logger log = LoggerFactory.getLogger(EmbeddingModality.class);

    private final Map<String, EmbeddingWorker> workers = new LinkedHashMap<>();

    @Override
    public boolean serves(String family) {
        return EmbeddingFamilies.names().contains(family);
    }

    @Override
    public ServedModel load(ModelEntry entry) {
        EmbeddingWorker worker = workers.computeIfAbsent(Modality.sharingKey(entry), k -> start(entry));
        return new ServedModel.Embedding(entry, EmbeddingFamilies.forName(entry.family()), worker);
    }

    /** Loads the encoder and starts its worker; the worker owns the model from then on. */
    private static EmbeddingWorker start(ModelEntry entry) {
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

    @Override
    public void shutdown(long deadlineMillis) {
        for (EmbeddingWorker worker : workers.values()) {
            worker.shutdown(Math.max(1, deadlineMillis - System.currentTimeMillis()));
        }
        workers.clear();
    }
}
