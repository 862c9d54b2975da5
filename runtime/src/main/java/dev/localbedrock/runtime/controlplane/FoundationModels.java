package dev.localbedrock.runtime.controlplane;

import dev.localbedrock.runtime.ServedModel;
import dev.localbedrock.runtime.catalog.ModelEntry;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.function.Predicate;

/**
 * The foundation models of the control plane (ListFoundationModels, GetFoundationModel), generated from what the
 * runtime serves: every served id and alias is one model, described by its entry and its family's codec. Read-only
 * and built once; safe for concurrent use.
 */
public final class FoundationModels {
    /** Bedrock's provider names, by the model id's first part. */
    private static final Map<String, String> PROVIDERS = Map.of("amazon", "Amazon", "anthropic", "Anthropic",
            "ai21", "AI21 Labs", "cohere", "Cohere", "meta", "Meta", "stability", "Stability AI");

    private final String region;
    private final List<FoundationModel> models;

    public FoundationModels(List<ServedModel> served, String region) {
        this.region = region;
        List<FoundationModel> all = new ArrayList<>();
        for (ServedModel s : served) {
            ModelEntry e = s.entry();
            List<String> ids = new ArrayList<>();
            ids.add(e.id());
            ids.addAll(e.aliases());
            for (String id : ids) {
                all.add(describe(id, s));
            }
        }
        this.models = List.copyOf(all);
    }

    private FoundationModel describe(String id, ServedModel s) {
        String output = s instanceof ServedModel.Embedding ? "EMBEDDING" : s instanceof ServedModel.Image ? "IMAGE"
                : "TEXT";
        boolean streams = s instanceof ServedModel.Text text && text.codec().streams();
        return new FoundationModel(id, arn(id), s.entry().name(), providerOf(id), List.of("TEXT"),
                List.of(output), streams, List.of(), List.of("ON_DEMAND"), "ACTIVE");
    }

    /** The foundation-model ARN of an id in this server's region. */
    public String arn(String modelId) {
        return "arn:aws:bedrock:" + region + "::foundation-model/" + modelId;
    }

    static String providerOf(String modelId) {
        int dot = modelId.indexOf('.');
        String prefix = dot > 0 ? modelId.substring(0, dot).toLowerCase(Locale.ROOT) : "";
        return PROVIDERS.getOrDefault(prefix, dot > 0 ? modelId.substring(0, dot) : "Local");
    }

    /**
     * The models passing every given filter (null = no filter). Providers compare case-insensitively, as Bedrock's
     * {@code byProvider} does.
     */
    public List<FoundationModel> list(String byProvider, String byCustomizationType, String byOutputModality,
                                      String byInferenceType) {
        Predicate<FoundationModel> keep = m -> true;
        if (byProvider != null) {
            keep = keep.and(m -> m.providerName().equalsIgnoreCase(byProvider));
        }
        if (byCustomizationType != null) {
            keep = keep.and(m -> m.customizationsSupported().contains(byCustomizationType));
        }
        if (byOutputModality != null) {
            keep = keep.and(m -> m.outputModalities().contains(byOutputModality));
        }
        if (byInferenceType != null) {
            keep = keep.and(m -> m.inferenceTypesSupported().contains(byInferenceType));
        }
        return models.stream().filter(keep).toList();
    }

    /** The model an id or foundation-model ARN names, if served. */
    public Optional<FoundationModel> get(String identifier) {
        String id = identifier;
        int slash = identifier.startsWith("arn:") ? identifier.indexOf(":foundation-model/") : -1;
        if (slash >= 0) {
            id = identifier.substring(slash + ":foundation-model/".length());
        }
        String wanted = id;
        return models.stream().filter(m -> m.modelId().equals(wanted)).findFirst();
    }
}
