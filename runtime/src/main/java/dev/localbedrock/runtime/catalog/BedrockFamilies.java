package dev.localbedrock.runtime.catalog;

import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * Which wire family a Bedrock model id speaks, from its provider and model prefix (bedrock-spec §2.1), so a
 * models.yaml entry for a catalogue id needs no {@code family}: the id already says it. An id outside Bedrock's
 * catalogue must name its family; a family that contradicts the id's provider is refused at startup (a client
 * calling {@code anthropic.claude-v2} sends a Claude body, whatever the entry says).
 */
final class BedrockFamilies {

    /** Model-id prefix → family, most specific first. */
    private static final List<Map.Entry<String, String>> BY_PREFIX = List.of(
            Map.entry("amazon.titan-text-", "amazon-titan-text"),
            Map.entry("amazon.titan-embed-text-", "amazon-titan-embed"),
            Map.entry("amazon.titan-embed-g1-text-", "amazon-titan-embed"),
            Map.entry("anthropic.claude-", "anthropic-claude"),
            Map.entry("ai21.j2-", "ai21-j2"),
            Map.entry("cohere.command-", "cohere-command"),
            Map.entry("cohere.embed-", "cohere-embed"),
            // Llama 2 and Llama 3 take the same raw-prompt body on InvokeModel.
            Map.entry("meta.llama2-", "meta-llama2"),
            Map.entry("meta.llama3-", "meta-llama2"),
            Map.entry("stability.stable-diffusion-xl-", "stability-sdxl"));

    /** The providers of Bedrock's catalogue, as the first part of a model id and of a family name. */
    private static final List<String> PROVIDERS = List.of("amazon", "anthropic", "ai21", "cohere", "meta",
            "stability");

    private BedrockFamilies() {
    }

    /** The family Bedrock serves {@code modelId} with, when the id is one of its catalogue's. */
    static Optional<String> forModelId(String modelId) {
        String id = modelId.toLowerCase(Locale.ROOT);
        for (Map.Entry<String, String> rule : BY_PREFIX) {
            if (id.startsWith(rule.getKey())) {
                return Optional.of(rule.getValue());
            }
        }
        return Optional.empty();
    }

    /**
     * The entry's family: the written one, checked against the id, or the one the id implies.
     *
     * @throws CatalogException when neither says, or the written family contradicts the id
     */
    static String resolve(String modelId, String written, String where) {
        Optional<String> implied = forModelId(modelId);
        if (written == null) {
            return implied.orElseThrow(() -> new CatalogException(where + ": 'family' is required for a model id "
                    + "outside Bedrock's catalogue (ids like amazon.titan-text-*, anthropic.claude-*, ai21.j2-*, "
                    + "cohere.command-*, cohere.embed-*, meta.llama2-*, amazon.titan-embed-text-*, "
                    + "stability.stable-diffusion-xl-* imply theirs)"));
        }
        if (implied.isPresent() && !implied.get().equals(written)) {
            throw new CatalogException(where + ": family '" + written + "' does not fit model id '" + modelId
                    + "': Bedrock serves it as '" + implied.get() + "' (leave 'family' out for catalogue ids)");
        }
        String idProvider = provider(modelId.toLowerCase(Locale.ROOT), '.');
        String familyProvider = provider(written, '-');
        if (implied.isEmpty() && PROVIDERS.contains(idProvider) && PROVIDERS.contains(familyProvider)
                && !idProvider.equals(familyProvider)) {
            throw new CatalogException(where + ": family '" + written + "' is a " + familyProvider + " family, but "
                    + "model id '" + modelId + "' names provider " + idProvider);
        }
        return written;
    }

    private static String provider(String name, char separator) {
        int at = name.indexOf(separator);
        return at > 0 ? name.substring(0, at) : "";
    }
}
