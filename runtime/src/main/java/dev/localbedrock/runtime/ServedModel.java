package dev.localbedrock.runtime;

import dev.localbedrock.codecs.EmbeddingFamilyCodec;
import dev.localbedrock.codecs.ImageFamilyCodec;
import dev.localbedrock.codecs.TextFamilyCodec;
import dev.localbedrock.runtime.catalog.ModelEntry;
import dev.localbedrock.runtime.conversation.ChatSupport;
import dev.localbedrock.runtime.embedding.EmbeddingWorker;
import dev.localbedrock.runtime.generation.ModelWorker;
import dev.localbedrock.runtime.imaging.ImageWorker;
import dev.localbedrock.runtime.quota.QuotaLimiter;

/**
 * A model id ready to serve: its catalogue entry, the wire family it speaks, and the worker that runs its weights
 * (shared by every id whose entry names the same source, engine and device). A text model generates and streams; an
 * embedding model and an image model answer InvokeModel only.
 */
public sealed interface ServedModel {

    ModelEntry entry();

    /**
     * The entry's on-demand quota (shared by its ids and aliases, as they are one model), or null when it is
     * unlimited. Provisioned throughput does not count against it.
     */
    QuotaLimiter onDemandQuota();

    /**
     * A text generation model: its family codec, its continuous-batching worker, and how a conversation becomes its
     * prompt (Converse).
     *
     * @param codec the family's completion body codec (InvokeModel), unless {@code chat} names a chat body instead
     * @param chat  its chat template and chat codecs, or null where none is set up (Converse is then refused)
     */
    record Text(ModelEntry entry, TextFamilyCodec codec, ModelWorker worker, QuotaLimiter onDemandQuota,
                ChatSupport chat) implements ServedModel {
        /** A text model with the quota its entry configures. */
        public Text(ModelEntry entry, TextFamilyCodec codec, ModelWorker worker, ChatSupport chat) {
            this(entry, codec, worker, QuotaLimiter.forEntry(entry), chat);
        }

        /** A text model without conversations. */
        public Text(ModelEntry entry, TextFamilyCodec codec, ModelWorker worker) {
            this(entry, codec, worker, QuotaLimiter.forEntry(entry), null);
        }

        /** Whether InvokeModel takes a conversation body (the Messages API) rather than the family's completion. */
        public boolean invokesAsChat() {
            return chat != null && chat.invokeBody() != null;
        }
    }

    /** An embedding model: its family codec and its bounded embedding worker. */
    record Embedding(ModelEntry entry, EmbeddingFamilyCodec codec, EmbeddingWorker worker,
                     QuotaLimiter onDemandQuota) implements ServedModel {
        /** An embedding model with the quota its entry configures. */
        public Embedding(ModelEntry entry, EmbeddingFamilyCodec codec, EmbeddingWorker worker) {
            this(entry, codec, worker, QuotaLimiter.forEntry(entry));
        }
    }

    /** An image model: its family codec and the scheduler thread that batches its denoising steps. */
    record Image(ModelEntry entry, ImageFamilyCodec codec, ImageWorker worker,
                 QuotaLimiter onDemandQuota) implements ServedModel {
        /** An image model with the quota its entry configures. */
        public Image(ModelEntry entry, ImageFamilyCodec codec, ImageWorker worker) {
            this(entry, codec, worker, QuotaLimiter.forEntry(entry));
        }
    }
}
