package dev.localbedrock.codecs.converse;

import dev.localbedrock.codecs.SamplingValues;

import java.util.Objects;

/**
 * What Converse takes from a model's family: the sampling defaults of its own InvokeModel body (Converse documents
 * "the default value is the default value for the model") and the one extra that {@code
 * additionalModelRequestFields} may carry for it, a top-k under the family's own key. Bedrock merges those extra
 * fields into the model's native body, so a key the family's body does not know is refused in the native body's
 * words; this server accepts only the top-k key, the one extra that changes sampling.
 *
 * @param family            the text family name (models.yaml)
 * @param temperature       default temperature
 * @param topP              default top-p
 * @param topPZeroDisables  whether top-p 0 means "off" (Llama, Cohere) rather than "only the top token"
 * @param topKKey           the native top-k key ({@code top_k}, Cohere's {@code k}), or null when the family has none
 * @param maxTopK           the largest top-k the native body allows
 * @param defaultTopK       top-k when the request sends none (0: off)
 */
public record ConverseFamily(String family, double temperature, double topP, boolean topPZeroDisables,
                             String topKKey, int maxTopK, int defaultTopK) {
    public ConverseFamily {
        Objects.requireNonNull(family, "family");
    }

    float samplerTopP(double value) {
        return topPZeroDisables ? SamplingValues.topPZeroDisables(value) : SamplingValues.topPKeepingTheTopToken(value);
    }
}
