package dev.localbedrock.runtime.catalog;

import dev.localbedrock.codecs.BedrockException;

import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.regex.Pattern;

/**
 * Maps the {@code modelId} a client sent to a served entry. Clients may send a base id
 * ({@code meta.llama2-13b-chat-v1}), a versioned id ({@code meta.llama2-13b-chat-v1:0:4k}) or a foundation-model ARN
 * ({@code arn:aws:bedrock:us-east-1::foundation-model/meta.llama2-13b-chat-v1}); all resolve to the same entry unless
 * the catalogue lists the versioned id itself.
 */
public final class ModelIdResolver<T> {
    /**
     * The InvokeModel modelId pattern of the bedrock-runtime service model (2023-09-30), widened the way later model
     * versions widened it: up to two version segments ({@code :0:4k}, as in provisioned-throughput ids, which the
     * 2023 pattern rejects although the SDKs never check it client-side) and upper-case in them ({@code :100K}).
     */
    private static final Pattern MODEL_ID = Pattern.compile(
            "(arn:aws(-[^:]+)?:bedrock:[a-z0-9-]{1,20}:(([0-9]{12}:custom-model/" + base() + "/[a-z0-9]{12})"
                    + "|(:foundation-model/" + base() + ")|([0-9]{12}:provisioned-model/[a-z0-9]{12})))"
                    + "|(" + base() + ")|(([0-9a-zA-Z][_-]?)+)");

    private static String base() {
        return "[a-z0-9-]{1,63}[.][a-z0-9-]{1,63}([.:]?[a-zA-Z0-9-]{1,63})?(:[a-zA-Z0-9-]{1,63}){0,2}";
    }

    private static final Pattern FOUNDATION_ARN =
            Pattern.compile("arn:aws(-[^:]+)?:bedrock:[a-z0-9-]{1,20}::foundation-model/(.+)");
    private static final int MAX_LENGTH = 2048;

    private final Map<String, T> byId;

    public ModelIdResolver(Map<String, T> byId) {
        this.byId = Map.copyOf(byId);
    }

    /**
     * @throws BedrockException ValidationException for an id that cannot be a model id, ResourceNotFoundException for
     *                          a well-formed id that is not served
     */
    public T resolve(String modelId) {
        if (modelId == null || modelId.isEmpty() || modelId.length() > MAX_LENGTH) {
            throw BedrockException.validation("1 validation error detected: Value at 'modelId' failed to satisfy "
                    + "constraint: Member must have length between 1 and " + MAX_LENGTH);
        }
        if (!MODEL_ID.matcher(modelId).matches()) {
            throw BedrockException.validation("1 validation error detected: Value '" + abbreviate(modelId)
                    + "' at 'modelId' failed to satisfy constraint: Member must satisfy regular expression pattern: "
                    + "a model id (provider.model-vN), a foundation-model ARN, or a provisioned model name/ARN");
        }
        return lookup(modelId)
                .orElseThrow(() -> BedrockException.notFound("Could not resolve the foundation model from the "
                        + "provided model identifier " + abbreviate(modelId) + ". Served model ids: "
                        + String.join(", ", new java.util.TreeSet<>(byId.keySet()))));
    }

    private Optional<T> lookup(String modelId) {
        String id = modelId;
        var arn = FOUNDATION_ARN.matcher(id);
        if (arn.matches()) {
            id = arn.group(2);
        }
        T exact = byId.get(id);
        if (exact != null) {
            return Optional.of(exact);
        }
        // A versioned id (base:minor[:context]) falls back to its base id.
        int colon = id.indexOf(':');
        return colon > 0 ? Optional.ofNullable(byId.get(id.substring(0, colon))) : Optional.empty();
    }

    private static String abbreviate(String s) {
        return s.length() <= 200 ? s : s.substring(0, 200) + "...";
    }

    /** Convenience for building from entries with several ids each. */
    public static <E, T> Map<String, T> index(Iterable<E> entries, Function<E, Iterable<String>> ids,
                                              Function<E, T> value) {
        Map<String, T> map = new java.util.LinkedHashMap<>();
        for (E e : entries) {
            for (String id : ids.apply(e)) {
                map.put(id, value.apply(e));
            }
        }
        return map;
    }
}
