package dev.localbedrock.runtime.catalog;

import com.fasterxml.jackson.databind.JsonNode;
import dev.localbedrock.engines.EngineKind;
import dev.localbedrock.engines.onnxbuild.BuildOptions;
import dev.localbedrock.runtime.generation.PrefixCacheSettings;
import dev.localbedrock.runtime.generation.WorkerSettings;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Function;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static dev.localbedrock.runtime.catalog.YamlValues.checkKeys;
import static dev.localbedrock.runtime.catalog.YamlValues.integer;
import static dev.localbedrock.runtime.catalog.YamlValues.longInteger;
import static dev.localbedrock.runtime.catalog.YamlValues.seconds;
import static dev.localbedrock.runtime.catalog.YamlValues.text;

/**
 * The keys of a model entry that tune text generation: context, sampling seed, engine threads, batching and how the
 * ONNX Runtime engine builds its graph. Quantization and graph variant are checked against the vocabulary of
 * {@link BuildOptions}, which the engine parses them with, so the catalogue accepts exactly what the engine will.
 */
final class TextEntryKeys {
    static final int DEFAULT_MAX_RUNNING_SEQUENCES = 16;
    static final int DEFAULT_MAX_TOKENS_PER_STEP = 512;
    static final double DEFAULT_MAX_QUEUE_WAIT_SECONDS = 60;
    /** Sorted, so an embedding entry naming several of them is always told about the same one first. */
    static final Set<String> KEYS = new TreeSet<>(Set.of("max_context_tokens", "seed", "intra_op_threads",
            "max_running_sequences", "max_tokens_per_step", "kv_cache_tokens", "max_queue_wait_seconds",
            "reserved_step_tokens", "prefix_cache",
            "quantize", "onnx_variant", "chat_template"));

    /** The text-only fields of a {@link ModelEntry}; an embedding entry gets their defaults. */
    record TextSettings(int maxContextTokens, int intraOpThreads, Long seed, ModelEntry.Batching batching,
                        ModelEntry.OnnxBuild onnx, String chatTemplate) {
    }

    private TextEntryKeys() {
    }

    static TextSettings parse(JsonNode node, EngineKind engine, Path base, Path cacheDir, String where) {
        JsonNode seedNode = node.get("seed");
        Long seed = seedNode == null || seedNode.isNull() ? null : seedNode.asLong();
        // 0: not configured, follow the model (ModelEntry#withModelContext, once its config has been read)
        int maxContextTokens = integer(node, "max_context_tokens", 0, 2, 1 << 20, where);
        int intraOpThreads = integer(node, "intra_op_threads", 0, 0, 1024, where);
        return new TextSettings(maxContextTokens, intraOpThreads, seed, batching(node, maxContextTokens, where),
                onnxBuild(node, engine, cacheDir, where), chatTemplate(node, base, where));
    }

    /**
     * {@code chat_template}: inline Jinja, or the path (relative to models.yaml) of a {@code .jinja} file, read now so
     * a missing file stops the start rather than the first Converse call.
     */
    private static String chatTemplate(JsonNode node, Path base, String where) {
        String value = text(node, "chat_template", null, where);
        if (value == null) {
            return null;
        }
        if (value.isBlank()) {
            throw new CatalogException(where + ": 'chat_template' must be Jinja text or a .jinja file, not blank");
        }
        if (!value.strip().endsWith(".jinja") || value.contains("{")) {
            return value;
        }
        Path file = base.resolve(value.strip()).normalize();
        try {
            return Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new CatalogException(where + ": 'chat_template' file " + file + " cannot be read: " + e.getMessage());
        }
    }

    /** The scheduler keys; each default follows from the ones before it. */
    private static ModelEntry.Batching batching(JsonNode node, int maxContextTokens, String where) {
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
        int reservedStep = integer(node, "reserved_step_tokens",
                WorkerSettings.defaultReservedStepTokens(maxRunning, maxTokensPerStep), 1, 1 << 24, where);
        if (reservedStep < maxRunning || reservedStep > maxTokensPerStep) {
            throw new CatalogException(where + ": 'reserved_step_tokens' (" + reservedStep + ") must be from "
                    + "'max_running_sequences' (" + maxRunning + ") to 'max_tokens_per_step' (" + maxTokensPerStep
                    + ")");
        }
        return new ModelEntry.Batching(maxRunning, maxTokensPerStep, kvCacheTokens,
                seconds(node, "max_queue_wait_seconds", DEFAULT_MAX_QUEUE_WAIT_SECONDS, where), reservedStep,
                prefixCache(node.get("prefix_cache"), maxTokensPerStep, where));
    }

    private static final Set<String> PREFIX_CACHE_KEYS = Set.of("enabled", "block_tokens", "max_share");

    /**
     * {@code prefix_cache}: absent or {@code false} is off, {@code true} is on with the defaults, a map sets
     * {@code enabled} (default true), {@code block_tokens} (1 to max_tokens_per_step) and {@code max_share} (0 to 1].
     */
    private static PrefixCacheSettings prefixCache(JsonNode node, int maxTokensPerStep, String where) {
        if (node == null || node.isNull()) {
            return PrefixCacheSettings.DISABLED;
        }
        String at = where + ": 'prefix_cache'";
        int defaultBlock = Math.min(PrefixCacheSettings.DEFAULT_BLOCK_TOKENS, maxTokensPerStep);
        if (node.isBoolean()) {
            return new PrefixCacheSettings(node.asBoolean(), defaultBlock, PrefixCacheSettings.DEFAULT_MAX_SHARE);
        }
        if (!node.isObject()) {
            throw new CatalogException(at + " must be true, false or a map of enabled, block_tokens, max_share");
        }
        checkKeys(node, PREFIX_CACHE_KEYS, at);
        JsonNode enabled = node.get("enabled");
        if (enabled != null && !enabled.isBoolean()) {
            throw new CatalogException(at + ": 'enabled' must be true or false");
        }
        int block = integer(node, "block_tokens", defaultBlock, 1, maxTokensPerStep, at);
        JsonNode share = node.get("max_share");
        double maxShare = PrefixCacheSettings.DEFAULT_MAX_SHARE;
        if (share != null) {
            if (!share.isNumber() || !(share.asDouble() > 0 && share.asDouble() <= 1)) {
                throw new CatalogException(at + ": 'max_share' must be a number in (0, 1], not " + share);
            }
            maxShare = share.asDouble();
        }
        return new PrefixCacheSettings(enabled == null || enabled.asBoolean(), block, maxShare);
    }

    /** quantize / onnx_variant choose how the ONNX Runtime engine builds a graph; they mean nothing to PyTorch. */
    private static ModelEntry.OnnxBuild onnxBuild(JsonNode node, EngineKind engine, Path cacheDir, String where) {
        String quantize = text(node, "quantize", null, where);
        String variant = text(node, "onnx_variant", null, where);
        if ((quantize != null || variant != null) && engine != EngineKind.ONNXRUNTIME) {
            throw new CatalogException(where + ": 'quantize' and 'onnx_variant' apply to engine "
                    + EngineKind.ONNXRUNTIME.id() + " only");
        }
        if (quantize != null && !parses(quantize, BuildOptions.Quantization::parse)) {
            throw new CatalogException(where + ": 'quantize' must be "
                    + choices(BuildOptions.defaults().quantization(), BuildOptions.Quantization.values(),
                    BuildOptions.Quantization::id) + ", not '" + quantize + "'");
        }
        if (variant != null && !parses(variant, BuildOptions.Variant::parse)) {
            throw new CatalogException(where + ": 'onnx_variant' must be "
                    + choices(BuildOptions.defaults().variant(), BuildOptions.Variant.values(),
                    BuildOptions.Variant::id) + ", not '" + variant + "'");
        }
        // The text as written goes on: the engine parses it with the same BuildOptions parser.
        return new ModelEntry.OnnxBuild(quantize, variant, cacheDir.resolve("onnx"));
    }

    /** Blank is refused although the parsers read it as their default: an empty value in YAML is a slip. */
    private static boolean parses(String value, Function<String, ?> parser) {
        if (value.isBlank()) {
            return false;
        }
        try {
            parser.apply(value);
            return true;
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    /** "default or other or ...": the builder's default first, as docs/models-yaml.md lists them. */
    private static <E extends Enum<E>> String choices(E dflt, E[] all, Function<E, String> id) {
        return Stream.concat(Stream.of(dflt), Arrays.stream(all).filter(e -> e != dflt))
                .map(id).collect(Collectors.joining(" or "));
    }
}
