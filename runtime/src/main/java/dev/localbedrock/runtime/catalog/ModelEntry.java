package dev.localbedrock.runtime.catalog;

import dev.localbedrock.codecs.CodecOptions;
import dev.localbedrock.runtime.generation.PrefixCacheSettings;
import dev.localbedrock.runtime.quota.ModelUnit;
import dev.localbedrock.runtime.quota.Quota;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * One served Bedrock model id, as configured in models.yaml, with defaults applied and paths resolved.
 *
 * @param id                 the Bedrock model id clients send (e.g. {@code meta.llama2-13b-chat-v1})
 * @param name               display name; honest about what the weights are
 * @param family             the wire family whose request/response bodies this id speaks
 * @param source             the model: a resolved HF/ONNX directory, a {@code generated:} source (text families) or a
 *                           {@code builtin:} one (embedding families)
 * @param engine             {@code pytorch} or {@code onnxruntime}
 * @param device             {@code cpu}, {@code cuda}, {@code cuda:N}
 * @param maxContextTokens   KV capacity per sequence (prompt + generation); 0 = not configured: the model's own limit,
 *                           at most 2048, filled in by {@link #withModelContext} once the model's config is read
 * @param maxQueue           requests allowed to wait; more are throttled (429)
 * @param requestTimeout     a generation running longer ends with ModelTimeoutException
 * @param intraOpThreads     engine threads; 0 = engine default
 * @param seed               configuration-level sampling seed for families without one; null = fresh per request
 * @param aliases            further ids served by the same entry (e.g. versioned ids)
 * @param batching           the continuous-batching limits of the model's scheduler
 * @param accessGranted      the initial model-access grant ({@code model_access}); stored grants win after the first start
 * @param wire               the family's per-model wire options (Claude's {@code strict_prompt_format})
 * @param quota              the on-demand requests and tokens per minute ({@code requests_per_minute},
 *                           {@code tokens_per_minute}; Bedrock's quota table by default)
 * @param modelUnit          what one model unit of provisioned throughput buys on this model ({@code model_unit})
 * @param chatTemplate       the {@code chat_template} override: Jinja text (a {@code .jinja} file's already read), or
 *                           null to use the checkpoint's own template or the family's default (docs/chat-templates.md)
 * @param maxRowsPerStep     UNet rows one denoising step batches across requests ({@code max_rows_per_step}, image
 *                           families only; the default elsewhere, unused)
 */
public record ModelEntry(String id, String name, String family, ModelSource source, String engine, String device,
                         int maxContextTokens, int maxQueue, Duration requestTimeout, int intraOpThreads, Long seed,
                         List<String> aliases, Batching batching, OnnxBuild onnx, CodecOptions wire,
                         Quota quota, boolean accessGranted, ModelUnit modelUnit, String chatTemplate,
                         int maxRowsPerStep) {

    /**
     * This entry with the settings that follow the model filled in: {@code max_context_tokens}, when not configured,
     * becomes {@code modelContextTokens} (the engine's default for this model: its own limit, at most 2048), and
     * {@code kv_cache_tokens}, when not configured, {@code max_running_sequences} × that context. A configured context
     * above the model's limit is left for the engine to refuse, naming the limit.
     *
     * @throws CatalogException when a configured {@code kv_cache_tokens} cannot hold one sequence of the context
     */
    public ModelEntry withModelContext(int modelContextTokens) {
        int context = maxContextTokens > 0 ? maxContextTokens : modelContextTokens;
        long kv = batching.kvCacheTokens() > 0 ? batching.kvCacheTokens()
                : (long) batching.maxRunningSequences() * context;
        if (kv < context) {
            throw new CatalogException("model '" + id + "': 'kv_cache_tokens' (" + kv + ") must be at least the "
                    + "context of one sequence (" + context + " tokens, "
                    + (maxContextTokens > 0 ? "max_context_tokens" : "the model's default") + ")");
        }
        return new ModelEntry(id, name, family, source, engine, device, context, maxQueue, requestTimeout,
                intraOpThreads, seed, aliases, new Batching(batching.maxRunningSequences(), batching.maxTokensPerStep(),
                kv, batching.maxQueueWait(), batching.reservedStepTokens(), batching.prefixCache()), onnx, wire, quota, accessGranted, modelUnit,
                chatTemplate, maxRowsPerStep);
    }

    /**
     * A custom model trained from this entry: served under {@code id} (its ARN) with the weights in {@code weights},
     * and every other setting (family, engine, device, batching, model unit) this entry's, as the guide says a custom
     * model uses its base model's inference parameters. It has no aliases and needs no access of its own.
     */
    public ModelEntry customModel(String customId, String customName, Path weights) {
        return new ModelEntry(customId, customName, family, new Directory(weights), engine, device, maxContextTokens,
                maxQueue, requestTimeout, intraOpThreads, seed, List.of(), batching, onnx, wire, quota, true,
                modelUnit, chatTemplate, maxRowsPerStep);
    }

    /**
     * How the ONNX Runtime engine builds its graph from a Hugging Face checkpoint (docs/models-yaml.md).
     *
     * @param quantize  {@code none}/{@code int8}/{@code int4}/{@code int8-dynamic}, or null: use an exported graph
     *                  when the directory has one
     * @param variant   {@code gqa-shared-kv}/{@code standard}, or null for the builder's default
     * @param cacheDir  where built graphs are cached (under the catalogue's {@code cache_dir})
     */
    public record OnnxBuild(String quantize, String variant, Path cacheDir) {
    }

    /**
     * How the model's scheduler batches (docs/models-yaml.md).
     *
     * @param maxRunningSequences sequences decoded together in one step
     * @param maxTokensPerStep    tokens one step may process (decodes plus prompt chunks); at least
     *                            {@code maxRunningSequences}
     * @param kvCacheTokens       KV cache for all running sequences together, in tokens; 0 = not configured and
     *                            still to follow the model's context ({@link ModelEntry#withModelContext})
     * @param maxQueueWait        longest a request may wait for admission before ThrottlingException
     * @param reservedStepTokens  tokens a step may process while a provisioned model's request decodes
     * @param prefixCache         automatic prefix caching ({@code prefix_cache}; off unless configured)
     */
    public record Batching(int maxRunningSequences, int maxTokensPerStep, long kvCacheTokens,
                           Duration maxQueueWait, int reservedStepTokens, PrefixCacheSettings prefixCache) {
        /** Without prefix caching. */
        public Batching(int maxRunningSequences, int maxTokensPerStep, long kvCacheTokens, Duration maxQueueWait,
                        int reservedStepTokens) {
            this(maxRunningSequences, maxTokensPerStep, kvCacheTokens, maxQueueWait, reservedStepTokens,
                    PrefixCacheSettings.DISABLED);
        }
    }

    /** Where the weights come from. */
    public sealed interface ModelSource permits Directory, Generated, Builtin {
        /** The key under which identical sources share one loaded model. */
        String key();
    }

    /** A checkpoint directory on disk. */
    public record Directory(Path path) implements ModelSource {
        @Override
        public String key() {
            return path.toAbsolutePath().normalize().toString();
        }
    }

    /** A random-initialised checkpoint the runtime writes itself (deterministic), stored under {@code path}. */
    public record Generated(String kind, Path path) implements ModelSource {
        @Override
        public String key() {
            return "generated:" + kind + "@" + path.toAbsolutePath().normalize();
        }
    }

    /** A model shipped inside a dependency jar (e.g. {@code builtin:all-MiniLM-L6-v2}); embedding families only. */
    public record Builtin(String name) implements ModelSource {
        /** The prefix of such sources in models.yaml. */
        public static final String PREFIX = "builtin:";

        @Override
        public String key() {
            return PREFIX + name;
        }
    }
}
