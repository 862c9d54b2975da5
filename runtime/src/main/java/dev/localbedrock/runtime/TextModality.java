package dev.localbedrock.runtime;

import dev.localbedrock.codecs.ChatFamilies;
import dev.localbedrock.codecs.TextFamilies;
import dev.localbedrock.engines.ContextTooLongException;
import dev.localbedrock.engines.DecoderModel;
import dev.localbedrock.engines.DecoderModels;
import dev.localbedrock.engines.EngineKind;
import dev.localbedrock.engines.EngineOptions;
import dev.localbedrock.runtime.catalog.GeneratedModels;
import dev.localbedrock.runtime.catalog.ModelEntry;
import dev.localbedrock.runtime.chat.ChatTemplate;
import dev.localbedrock.runtime.conversation.ChatSupport;
import dev.localbedrock.runtime.generation.ModelWorker;
import dev.localbedrock.runtime.generation.WorkerHooks;
import dev.localbedrock.runtime.generation.WorkerSettings;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/** Text generation: a decoder per shared source, each behind a continuous-batching {@link ModelWorker}. */
final class TextModality implements Modality {
    private static final Logger log = LoggerFactory.getLogger(TextModality.class);

    private final Function<ModelEntry, WorkerHooks> hooks;
    private final Map<String, ModelWorker> workers = new LinkedHashMap<>();
    private final List<DecoderModel> models = new ArrayList<>();

    /** @param hooks each worker's admission policy and metrics sink, from the first entry of its shared model */
    TextModality(Function<ModelEntry, WorkerHooks> hooks) {
        this.hooks = hooks;
    }

    @Override
    public boolean serves(String family) {
        return TextFamilies.names().contains(family);
    }

    @Override
    public synchronized ServedModel load(ModelEntry configured) {
        Path dir = directoryOf(configured.source());
        // The context (and the KV budget sized by it) follows the model unless models.yaml sets it.
        ModelEntry entry = configured.withModelContext(DecoderModels.defaultContextTokens(dir));
        String key = Modality.sharingKey(entry);
        ModelWorker worker = workers.get(key);
        if (worker == null) {
            log.info("loading {} from {} on {} ({})", entry.id(), dir, entry.device(), entry.engine());
            DecoderModel model = loadDecoder(entry, dir);
            models.add(model);
            worker = new ModelWorker(entry.id(), model, settings(entry), hooks.apply(entry));
            workers.put(key, worker);
        }
        return new ServedModel.Text(entry, TextFamilies.forName(entry.family()).configured(entry.wire()), worker,
                chatSupport(entry, dir));
    }

    /**
     * The entry's chat template (models.yaml's, the checkpoint's, or the family's default) and chat codecs. Converse
     * may ask for up to the whole context; the scheduler caps a generation by what the prompt leaves.
     */
    private static ChatSupport chatSupport(ModelEntry entry, Path dir) {
        ChatTemplate template = ChatTemplate.forModel(entry, dir);
        log.info("{}: chat template from {}", entry.id(), template.origin());
        int limit = entry.maxContextTokens();
        return new ChatSupport(template::render, ChatFamilies.converse(entry.family(), limit, limit),
                ChatFamilies.invokeModelBody(entry.id(), limit));
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

    private static WorkerSettings settings(ModelEntry entry) {
        ModelEntry.Batching b = entry.batching();
        return new WorkerSettings(entry.maxContextTokens(), entry.maxQueue(), entry.requestTimeout(), entry.seed(),
                b.maxRunningSequences(), b.maxTokensPerStep(), b.kvCacheTokens(), b.maxQueueWait(),
                b.reservedStepTokens(), b.prefixCache());
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

    @Override
    public synchronized void unload(ModelEntry entry, long graceMillis) {
        ModelWorker worker = workers.remove(Modality.sharingKey(entry));
        if (worker == null) {
            return;
        }
        worker.shutdown(Math.max(1, graceMillis));
        models.remove(worker.model());
        try {
            worker.model().close();
        } catch (RuntimeException e) {
            log.warn("closing {} failed", entry.id(), e);
        }
    }

    @Override
    public synchronized void shutdown(long deadlineMillis) {
        for (ModelWorker worker : workers.values()) {
            worker.shutdown(Math.max(1, deadlineMillis - System.currentTimeMillis()));
        }
        for (DecoderModel model : models) {
            try {
                model.close();
            } catch (RuntimeException e) {
                log.warn("closing a model failed", e);
            }
        }
        workers.clear();
        models.clear();
    }
}
