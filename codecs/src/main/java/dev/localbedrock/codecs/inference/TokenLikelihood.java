package dev.localbedrock.codecs.inference;

/**
 * One token with its log-probability under the model's unmodified distribution.
 *
 * @param tokenId the vocabulary id
 * @param token   the token's own text (decoded alone)
 * @param logProb natural-log probability; NaN for the first prompt token, which has no context to be predicted from
 */
public record TokenLikelihood(int tokenId, String token, float logProb) {
}
