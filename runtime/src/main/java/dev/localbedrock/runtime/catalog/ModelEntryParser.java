package dev.localbedrock.runtime.catalog;

import com.fasterxml.jackson.databind.JsonNode;
import dev.localbedrock.codecs.CodecOptions;
import dev.localbedrock.codecs.EmbeddingFamilies;
import dev.localbedrock.codecs.ImageFamilies;
import dev.localbedrock.codecs.TextFamilies;
import dev.localbedrock.engines.EngineKind;
import dev.localbedrock.runtime.quota.ModelUnit;
import dev.localbedrock.runtime.quota.Quota;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

import static dev.localbedrock.runtime.catalog.YamlValues.checkKeys;
import static dev.localbedrock.runtime.catalog.YamlValues.integer;
import static dev.localbedrock.runtime.catalog.YamlValues.required;
import static dev.localbedrock.runtime.catalog.YamlValues.seconds;
import static dev.localbedrock.runtime.catalog.YamlValues.text;

/**
 * One entry of {@code models:}. The family decides the schema: every entry takes {@link #COMMON_KEYS}; a text family
 * also takes {@link TextEntryKeys#KEYS}, an embedding family is held to {@link EmbeddingEntryRules}.
 */
final class ModelEntryParser {
    /** The keys of every entry, in the order the embedding-entry message lists them. */
    static final List<String> COMMON_KEYS = List.of("id", "aliases", "name", "family", "source", "engine", "device",
            "max_queue", "request_timeout_seconds", "requests_per_minute", "tokens_per_minute", "model_access",
            "model_unit");
    static final String STRICT_PROMPT_FORMAT = "strict_prompt_format";
    private static final Set<String> KEYS = allKeys();
    // ONNX Runtime is the default for every family: on CPU its kernels decode faster than libtorch's at every
    // batch size measured (benchmarks/RESULTS.md); PyTorch stays one line away for CUDA hosts.
    static final EngineKind DEFAULT_ENGINE = EngineKind.ONNXRUNTIME;
    private static final List<String> ENGINES = Arrays.stream(EngineKind.values()).map(EngineKind::id).toList();

    private final SourceResolver sources;
    private final Path base;
    private final Path cacheDir;

    ModelEntryParser(Path base, Path cacheDir) {
        this.sources = new SourceResolver(base, cacheDir);
        this.base = base;
        this.cacheDir = cacheDir;
    }

    ModelEntry parse(JsonNode node, String where) {
        if (node == null || !node.isObject()) {
            throw new CatalogException(where + ": expected a mapping");
        }
        checkKeys(node, KEYS, where);
        String id = required(node, "id", where);
        where = where + " (" + id + ")";
        String family = BedrockFamilies.resolve(id, text(node, "family", null, where), where);
        boolean embedding = EmbeddingFamilies.names().contains(family);
        boolean image = ImageFamilies.names().contains(family);
        if (!embedding && !image && !TextFamilies.names().contains(family)) {
            throw new CatalogException(where + ": unknown family '" + family + "'; known: text "
                    + TextFamilies.names() + ", embedding " + EmbeddingFamilies.names() + ", image "
                    + ImageFamilies.names());
        }
        if (embedding) {
            EmbeddingEntryRules.checkKeys(node, family, where);
        }
        if (image) {
            ImageEntryRules.checkKeys(node, family, where);
        }
        SourceResolver.Kind kind = embedding ? SourceResolver.Kind.EMBEDDING
                : image ? SourceResolver.Kind.IMAGE : SourceResolver.Kind.TEXT;
        ModelEntry.ModelSource source = sources.resolve(required(node, "source", where), family, kind, where);
        EngineKind engine = engine(node, where);
        if (embedding) {
            EmbeddingEntryRules.checkEngine(engine, family, where);
        }
        if (image) {
            ImageEntryRules.checkEngine(engine, family, where);
        }
        int maxRowsPerStep = ImageEntryRules.maxRowsPerStep(node, image, family, where);
        String device = text(node, "device", "cpu", where).toLowerCase(Locale.ROOT);
        if (!device.matches("cpu|cuda|cuda:\\d+|gpu|gpu:\\d+")) {
            throw new CatalogException(where + ": device must be cpu, cuda or cuda:N, not '" + device + "'");
        }
        String name = text(node, "name", defaultName(source, id), where);
        List<String> aliases = aliases(node, where);
        int maxQueue = integer(node, "max_queue", 64, 0, 1 << 20, where);
        var requestTimeout = seconds(node, "request_timeout_seconds", 300, where);
        TextEntryKeys.TextSettings text = TextEntryKeys.parse(node, engine, base, cacheDir, where);
        return new ModelEntry(id, name, family, source, engine.id(), device, text.maxContextTokens(), maxQueue,
                requestTimeout, text.intraOpThreads(), text.seed(), aliases, text.batching(), text.onnx(),
                wireOptions(node, family, where), quota(node, id, family, where), accessGranted(node, where),
                modelUnit(node.get("model_unit"), embedding || image, where + ": model_unit"), text.chatTemplate(),
                maxRowsPerStep);
    }

    private static final List<String> UNIT_KEYS = List.of("input_tokens_per_minute", "output_tokens_per_minute",
            "sequences");

    /**
     * What one provisioned-throughput model unit buys: each figure defaults to {@link ModelUnit#DEFAULT_TEXT}'s (or,
     * for an embedding model, which generates nothing and has no batch slots, takes only the input figure).
     */
    private static ModelUnit modelUnit(JsonNode node, boolean embedding, String where) {
        ModelUnit defaults = embedding ? ModelUnit.DEFAULT_EMBEDDING : ModelUnit.DEFAULT_TEXT;
        if (node == null || node.isNull()) {
            return defaults;
        }
        if (!node.isObject()) {
            throw new CatalogException(where + ": expected a mapping of " + String.join(", ", UNIT_KEYS));
        }
        checkKeys(node, embedding ? UNIT_KEYS.subList(0, 1) : UNIT_KEYS, where);
        return new ModelUnit(
                integer(node, "input_tokens_per_minute", defaults.inputTokensPerMinute(), 1, Quota.MAX_PER_MINUTE,
                        where),
                integer(node, "output_tokens_per_minute", defaults.outputTokensPerMinute(), embedding ? 0 : 1,
                        Quota.MAX_PER_MINUTE, where),
                integer(node, "sequences", defaults.sequences(), embedding ? 0 : 1, 1 << 16, where));
    }

    /** Bedrock's default quota for the id, each figure overridable; 0 turns that limit off. */
    private static Quota quota(JsonNode node, String id, String family, String where) {
        Quota defaults = Quota.defaultFor(id, family);
        return new Quota(
                integer(node, "requests_per_minute", defaults.requestsPerMinute(), 0, Quota.MAX_PER_MINUTE, where),
                integer(node, "tokens_per_minute", defaults.tokensPerMinute(), 0, Quota.MAX_PER_MINUTE, where));
    }

    /** Keys that only one family takes: its wire options. */
    private static final Map<String, String> FAMILY_KEYS = Map.of(STRICT_PROMPT_FORMAT, "anthropic-claude");

    private static CodecOptions wireOptions(JsonNode node, String family, String where) {
        for (Map.Entry<String, String> key : FAMILY_KEYS.entrySet()) {
            if (node.has(key.getKey()) && !key.getValue().equals(family)) {
                throw new CatalogException(where + ": '" + key.getKey() + "' applies to family '" + key.getValue()
                        + "' only, not '" + family + "'");
            }
        }
        JsonNode strict = node.get(STRICT_PROMPT_FORMAT);
        if (strict != null && !strict.isNull() && !strict.isBoolean()) {
            throw new CatalogException(where + ": '" + STRICT_PROMPT_FORMAT + "' must be true or false");
        }
        return new CodecOptions(strict != null && strict.asBoolean(false));
    }

    /**
     * The initial model-access grant: {@code granted} (the default, so a fresh start just works) or {@code denied},
     * as an administrator sets it in the Bedrock console. Applied only while the state holds no grant for the model.
     */
    private static boolean accessGranted(JsonNode node, String where) {
        String access = text(node, "model_access", "granted", where);
        return switch (access) {
            case "granted" -> true;
            case "denied" -> false;
            default -> throw new CatalogException(where + ": model_access must be granted or denied, not '" + access
                    + "'");
        };
    }

    private static EngineKind engine(JsonNode node, String where) {
        String engine = text(node, "engine", DEFAULT_ENGINE.id(), where).toLowerCase(Locale.ROOT);
        try {
            return EngineKind.parse(engine);
        } catch (IllegalArgumentException e) {
            throw new CatalogException(where + ": engine must be one of " + ENGINES + ", not '" + engine + "'");
        }
    }

    private static String defaultName(ModelEntry.ModelSource source, String id) {
        return source instanceof ModelEntry.Generated
                ? "Random-weight smoke-test Llama (not a language model)"
                : source instanceof ModelEntry.Builtin b ? b.name() + " (built-in embedding model)" : id;
    }

    private static List<String> aliases(JsonNode node, String where) {
        List<String> aliases = new ArrayList<>();
        JsonNode aliasNode = node.get("aliases");
        if (aliasNode != null && !aliasNode.isNull()) {
            if (!aliasNode.isArray()) {
                throw new CatalogException(where + ": aliases must be a list of model ids");
            }
            aliasNode.forEach(a -> aliases.add(a.asText()));
        }
        return List.copyOf(aliases);
    }

    private static Set<String> allKeys() {
        Set<String> all = new TreeSet<>(COMMON_KEYS);
        all.addAll(TextEntryKeys.KEYS);
        all.add(STRICT_PROMPT_FORMAT);
        all.add(ImageEntryRules.MAX_ROWS_PER_STEP);
        return all;
    }
}
