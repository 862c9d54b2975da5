package dev.localbedrock.runtime.catalog;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.localbedrock.codecs.EmbeddingFamilies;
import dev.localbedrock.codecs.TextFamilies;
import dev.localbedrock.engines.EmbeddingModels;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;

/**
 * Reads models.yaml. Relative paths resolve against the YAML file's folder, so a catalogue can be moved together with
 * its models. Every mistake is reported with the entry and key it is in, before anything is loaded.
 */
public final class CatalogLoader {
    /** Generated sources live under this folder (relative to the YAML file unless {@code cache_dir} says otherwise). */
    static final String DEFAULT_CACHE_DIR = ".local-bedrock";
    private static final Set<String> TOP_KEYS = Set.of("server", "cache_dir", "models");
    private static final Set<String> SERVER_KEYS = Set.of("host", "port", "max_body_bytes", "shutdown_grace_seconds",
            "idle_timeout_seconds", "request_header_timeout_seconds", "request_body_timeout_seconds",
            "write_stall_timeout_seconds", "max_header_bytes", "max_concurrent_streams");
    private static final Set<String> MODEL_KEYS = Set.of("id", "name", "family", "source", "engine", "device",
            "max_context_tokens", "max_queue", "request_timeout_seconds", "intra_op_threads", "seed", "aliases",
            "max_running_sequences", "max_tokens_per_step", "kv_cache_tokens", "max_queue_wait_seconds",
            "quantize", "onnx_variant");
    static final int DEFAULT_MAX_RUNNING_SEQUENCES = 16;
    static final int DEFAULT_MAX_TOKENS_PER_STEP = 512;
    static final double DEFAULT_MAX_QUEUE_WAIT_SECONDS = 60;
    private static final Set<String> ENGINES = Set.of("pytorch", "onnxruntime");
    /** Keys that tune text generation (context, sampling, batching); an embedding entry naming one is a mistake. */
    private static final Set<String> TEXT_ONLY_KEYS = new TreeSet<>(Set.of("max_context_tokens", "seed",
            "intra_op_threads", "max_running_sequences", "max_tokens_per_step", "kv_cache_tokens",
            "max_queue_wait_seconds", "quantize", "onnx_variant"));
    /** The models {@code builtin:} names (shipped in a dependency jar); all are embedding models. */
    private static final List<String> BUILTIN_SOURCES = List.of(EmbeddingModels.ALL_MINILM_L6_V2);
    private static final String EMBEDDING_ENGINE = "onnxruntime";
    static final String DEFAULT_ENGINE = "onnxruntime";

    private CatalogLoader() {
    }

    public static Catalog load(Path yamlFile) {
        JsonNode root;
        try {
            root = new ObjectMapper(new YAMLFactory()).readTree(yamlFile.toFile());
        } catch (IOException e) {
            throw new CatalogException(yamlFile + ": cannot read: " + e.getMessage(), e);
        }
        Path base = yamlFile.toAbsolutePath().getParent();
        return parse(root, base, yamlFile.toString());
    }

    static Catalog parse(JsonNode root, Path base, String where) {
        if (root == null || !root.isObject()) {
            throw new CatalogException(where + ": expected a mapping with a 'models:' list");
        }
        checkKeys(root, TOP_KEYS, where);
        Path cacheDir = base.resolve(text(root, "cache_dir", DEFAULT_CACHE_DIR, where)).normalize();
        ServerSettings server = parseServer(root.get("server"), where + ": server");
        JsonNode models = root.get("models");
        if (models == null || !models.isArray() || models.isEmpty()) {
            throw new CatalogException(where + ": 'models' must be a non-empty list");
        }
        List<ModelEntry> entries = new ArrayList<>();
        Set<String> ids = new HashSet<>();
        for (int i = 0; i < models.size(); i++) {
            ModelEntry entry = parseModel(models.get(i), base, cacheDir, where + ": models[" + i + "]");
            for (String id : allIds(entry)) {
                if (!ids.add(id)) {
                    throw new CatalogException(where + ": model id '" + id + "' is listed twice");
                }
            }
            entries.add(entry);
        }
        return new Catalog(server, entries);
    }

    private static List<String> allIds(ModelEntry entry) {
        List<String> all = new ArrayList<>();
        all.add(entry.id());
        all.addAll(entry.aliases());
        return all;
    }

    private static ServerSettings parseServer(JsonNode node, String where) {
        ServerSettings d = ServerSettings.defaults();
        if (node == null || node.isNull()) {
            return d;
        }
        if (!node.isObject()) {
            throw new CatalogException(where + ": expected a mapping");
        }
        checkKeys(node, SERVER_KEYS, where);
        return new ServerSettings(
                text(node, "host", d.host(), where),
                integer(node, "port", d.port(), 0, 65535, where),
                integer(node, "max_body_bytes", d.maxBodyBytes(), 1, Integer.MAX_VALUE, where),
                Duration.ofSeconds(integer(node, "shutdown_grace_seconds", (int) d.shutdownGrace().toSeconds(), 0,
                        3600, where)),
                parseConnectionLimits(node, where));
    }

    private static ServerSettings.ConnectionLimits parseConnectionLimits(JsonNode node, String where) {
        ServerSettings.ConnectionLimits d = ServerSettings.ConnectionLimits.defaults();
        return new ServerSettings.ConnectionLimits(
                seconds(node, "idle_timeout_seconds", d.idleTimeout().toMillis() / 1e3, where),
                seconds(node, "request_header_timeout_seconds", d.requestHeaderTimeout().toMillis() / 1e3, where),
                seconds(node, "request_body_timeout_seconds", d.requestBodyTimeout().toMillis() / 1e3, where),
                seconds(node, "write_stall_timeout_seconds", d.writeStallTimeout().toMillis() / 1e3, where),
                // Below 1 KiB not even an SDK request's signed headers fit; HTTP/2 caps a header list at 2^31-1.
                integer(node, "max_header_bytes", d.maxHeaderBytes(), 1024, 1 << 24, where),
                integer(node, "max_concurrent_streams", d.maxConcurrentStreams(), 1, 1_000_000, where));
    }

    private static ModelEntry parseModel(JsonNode node, Path base, Path cacheDir, String where) {
        if (node == null || !node.isObject()) {
            throw new CatalogException(where + ": expected a mapping");
        }
        checkKeys(node, MODEL_KEYS, where);
        String id = required(node, "id", where);
        where = where + " (" + id + ")";
        String family = text(node, "family", "meta-llama2", where);
        boolean embedding = EmbeddingFamilies.names().contains(family);
        if (!embedding && !TextFamilies.names().contains(family)) {
            throw new CatalogException(where + ": unknown family '" + family + "'; known: text "
                    + TextFamilies.names() + ", embedding " + EmbeddingFamilies.names());
        }
        if (embedding) {
            checkEmbeddingKeys(node, family, where);
        }
        ModelEntry.ModelSource source = parseSource(required(node, "source", where), base, cacheDir, family,
                embedding, where);
        // ONNX Runtime is the default for every family: on CPU its kernels decode faster than libtorch's at every
        // batch size measured (benchmarks/RESULTS.md); PyTorch stays one line away for CUDA hosts.
        String engine = text(node, "engine", DEFAULT_ENGINE, where)
                .toLowerCase(Locale.ROOT);
        if (!ENGINES.contains(engine)) {
            throw new CatalogException(where + ": engine must be one of " + ENGINES + ", not '" + engine + "'");
        }
        if (embedding && !engine.equals(EMBEDDING_ENGINE)) {
            throw new CatalogException(where + ": embedding family '" + family + "' runs on the " + EMBEDDING_ENGINE
                    + " engine only, not '" + engine + "'");
        }
        String device = text(node, "device", "cpu", where).toLowerCase(Locale.ROOT);
        if (!device.matches("cpu|cuda|cuda:\\d+|gpu|gpu:\\d+")) {
            throw new CatalogException(where + ": device must be cpu, cuda or cuda:N, not '" + device + "'");
        }
        String defaultName = source instanceof ModelEntry.Generated
                ? "Random-weight smoke-test Llama (not a language model)"
                : source instanceof ModelEntry.Builtin b ? b.name() + " (built-in embedding model)" : id;
        List<String> aliases = new ArrayList<>();
        JsonNode aliasNode = node.get("aliases");
        if (aliasNode != null && !aliasNode.isNull()) {
            if (!aliasNode.isArray()) {
                throw new CatalogException(where + ": aliases must be a list of model ids");
            }
            aliasNode.forEach(a -> aliases.add(a.asText()));
        }
        JsonNode seedNode = node.get("seed");
        Long seed = seedNode == null || seedNode.isNull() ? null : seedNode.asLong();
        // 0: not configured, follow the model (ModelEntry#withModelContext, once its config has been read)
        int maxContextTokens = integer(node, "max_context_tokens", 0, 2, 1 << 20, where);
        return new ModelEntry(id, text(node, "name", defaultName, where), family, source, engine, device,
                maxContextTokens,
                integer(node, "max_queue", 64, 0, 1 << 20, where),
                seconds(node, "request_timeout_seconds", 300, where),
                integer(node, "intra_op_threads", 0, 0, 1024, where),
                seed, List.copyOf(aliases), parseBatching(node, maxContextTokens, where),
                parseOnnxBuild(node, engine, cacheDir, where));
    }

    /** The scheduler keys; each default follows from the ones before it. */
    private static ModelEntry.Batching parseBatching(JsonNode node, int maxContextTokens, String where) {
        int maxRunning = integer(node, "max_running_sequences", DEFAULT_MAX_RUNNING_SEQUENCES, 1, 1 << 16, where);
        int maxTokensPerStep = integer(node, "max_tokens_per_step",
                Math.max(DEFAULT_MAX_TOKENS_PER_STEP, maxRunning), 1, 1 << 24, where);
        if (maxTokensPerStep < maxRunning) {
            throw new CatalogException(where + ": 'max_tokens_per_step' (" + maxTokensPerStep + ") must be at least "
                    + "'max_running_sequences' (" + maxRunning + "), so every running sequence decodes in every step");
        }
        // 0: running × context, worked out with the context when that follows the model
        long kvCacheTokens = longInteger(node, "kv_cache_tokens", (long) maxRunning * maxContextTokens,
                Math.max(2, maxContextTokens), 1L << 40, where);
        return new ModelEntry.Batching(maxRunning, maxTokensPerStep, kvCacheTokens,
                seconds(node, "max_queue_wait_seconds", DEFAULT_MAX_QUEUE_WAIT_SECONDS, where));
    }

    /** Text generation keys mean nothing to an embedding model; naming one must not pass silently. */
    private static void checkEmbeddingKeys(JsonNode node, String family, String where) {
        for (String key : TEXT_ONLY_KEYS) {
            if (node.has(key)) {
                throw new CatalogException(where + ": '" + key + "' applies to text generation models only, not to "
                        + "embedding family '" + family + "' (embedding entries take: id, aliases, name, family, "
                        + "source, engine, device, max_queue, request_timeout_seconds)");
            }
        }
    }

    /**
     * A source must suit its family: {@code builtin:} models are embedding encoders and {@code generated:} ones are
     * text decoders; a directory is either, by what it holds.
     */
    /** quantize / onnx_variant choose how the ONNX Runtime engine builds a graph; they mean nothing to PyTorch. */
    private static ModelEntry.OnnxBuild parseOnnxBuild(JsonNode node, String engine, Path cacheDir, String where) {
        String quantize = text(node, "quantize", null, where);
        String variant = text(node, "onnx_variant", null, where);
        if ((quantize != null || variant != null) && !engine.equals("onnxruntime")) {
            throw new CatalogException(where + ": 'quantize' and 'onnx_variant' apply to engine onnxruntime only");
        }
        if (quantize != null && !Set.of("none", "f32", "int8").contains(quantize.toLowerCase(Locale.ROOT))) {
            throw new CatalogException(where + ": 'quantize' must be none or int8, not '" + quantize + "'");
        }
        if (variant != null && !Set.of("gqa-shared-kv", "standard").contains(variant.toLowerCase(Locale.ROOT))) {
            throw new CatalogException(where + ": 'onnx_variant' must be gqa-shared-kv or standard, not '"
                    + variant + "'");
        }
        return new ModelEntry.OnnxBuild(quantize, variant, cacheDir.resolve("onnx"));
    }

    private static ModelEntry.ModelSource parseSource(String source, Path base, Path cacheDir, String family,
                                                      boolean embedding, String where) {
        if (source.startsWith(ModelEntry.Builtin.PREFIX)) {
            String name = source.substring(ModelEntry.Builtin.PREFIX.length());
            String known = ModelEntry.Builtin.PREFIX + String.join(", " + ModelEntry.Builtin.PREFIX, BUILTIN_SOURCES);
            if (!embedding) {
                throw new CatalogException(where + ": source '" + source + "' is a built-in embedding model, but "
                        + "family '" + family + "' generates text; use a checkpoint directory or generated:"
                        + GeneratedModels.SMOKE_LLAMA + ", or an embedding family " + EmbeddingFamilies.names());
            }
            for (String builtin : BUILTIN_SOURCES) {
                if (builtin.equalsIgnoreCase(name)) {
                    return new ModelEntry.Builtin(builtin);
                }
            }
            throw new CatalogException(where + ": unknown built-in source '" + source + "'; known: " + known);
        }
        if (source.startsWith("generated:") && embedding) {
            throw new CatalogException(where + ": source '" + source + "' is a text generation model, but family '"
                    + family + "' embeds; use " + ModelEntry.Builtin.PREFIX + BUILTIN_SOURCES.get(0)
                    + " or a directory with model.onnx and tokenizer.json");
        }
        if (source.startsWith("generated:")) {
            String kind = source.substring("generated:".length());
            if (!kind.equals(GeneratedModels.SMOKE_LLAMA)) {
                throw new CatalogException(where + ": unknown generated source '" + kind + "'; known: "
                        + GeneratedModels.SMOKE_LLAMA);
            }
            return new ModelEntry.Generated(kind, cacheDir.resolve(kind));
        }
        Path dir = base.resolve(source).normalize();
        if (!Files.isDirectory(dir)) {
            throw new CatalogException(where + ": source directory " + dir + " does not exist");
        }
        if (embedding) {
            checkEmbeddingDirectory(dir, family, where);
        }
        return new ModelEntry.Directory(dir);
    }

    /** The files the ONNX Runtime encoder needs, checked now so the message names the entry. */
    private static void checkEmbeddingDirectory(Path dir, String family, String where) {
        if (!Files.isRegularFile(dir.resolve("tokenizer.json"))) {
            throw new CatalogException(where + ": source directory " + dir + " has no tokenizer.json, which embedding "
                    + "family '" + family + "' needs (with model.onnx)");
        }
        boolean graph;
        try (Stream<Path> files = Stream.concat(list(dir), list(dir.resolve("onnx")))) {
            graph = files.anyMatch(f -> f.getFileName().toString().endsWith(".onnx") && Files.isRegularFile(f));
        }
        if (!graph) {
            throw new CatalogException(where + ": source directory " + dir + " has no ONNX graph (model.onnx or "
                    + "onnx/model.onnx), which embedding family '" + family + "' needs");
        }
    }

    private static Stream<Path> list(Path dir) {
        if (!Files.isDirectory(dir)) {
            return Stream.empty();
        }
        try {
            return Files.list(dir);
        } catch (IOException e) {
            throw new CatalogException("cannot list " + dir + ": " + e.getMessage(), e);
        }
    }

    private static void checkKeys(JsonNode node, Set<String> allowed, String where) {
        for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
            String key = it.next();
            if (!allowed.contains(key)) {
                throw new CatalogException(where + ": unknown key '" + key + "'; allowed: " + allowed);
            }
        }
    }

    private static String required(JsonNode node, String key, String where) {
        JsonNode v = node.get(key);
        if (v == null || v.isNull() || v.asText().isBlank()) {
            throw new CatalogException(where + ": '" + key + "' is required");
        }
        return v.asText().trim();
    }

    private static String text(JsonNode node, String key, String dflt, String where) {
        JsonNode v = node.get(key);
        if (v == null || v.isNull()) {
            return dflt;
        }
        if (!v.isValueNode()) {
            throw new CatalogException(where + ": '" + key + "' must be a string");
        }
        return v.asText().trim();
    }

    private static long longInteger(JsonNode node, String key, long dflt, long min, long max, String where) {
        JsonNode v = node.get(key);
        if (v == null || v.isNull()) {
            return dflt;
        }
        if (!v.canConvertToLong() || !v.isIntegralNumber() || v.asLong() < min || v.asLong() > max) {
            throw new CatalogException(where + ": '" + key + "' must be an integer from " + min + " to " + max
                    + ", not '" + v.asText() + "'");
        }
        return v.asLong();
    }

    /** A duration in seconds, fractions allowed (0.5 is half a second); greater than 0, at most a day. */
    private static Duration seconds(JsonNode node, String key, double dflt, String where) {
        JsonNode v = node.get(key);
        if (v == null || v.isNull()) {
            return Duration.ofNanos((long) (dflt * 1e9));
        }
        if (!v.isNumber() || !(v.asDouble() > 0) || v.asDouble() > 86_400) {
            throw new CatalogException(where + ": '" + key + "' must be a number of seconds greater than 0 and at "
                    + "most 86400, not '" + v.asText() + "'");
        }
        return Duration.ofNanos(Math.max(1, Math.round(v.asDouble() * 1e9)));
    }

    private static int integer(JsonNode node, String key, int dflt, int min, int max, String where) {
        JsonNode v = node.get(key);
        if (v == null || v.isNull()) {
            return dflt;
        }
        if (!v.canConvertToInt() || !v.isIntegralNumber() || v.asInt() < min || v.asInt() > max) {
            throw new CatalogException(where + ": '" + key + "' must be an integer from " + min + " to " + max
                    + ", not '" + v.asText() + "'");
        }
        return v.asInt();
    }
}
