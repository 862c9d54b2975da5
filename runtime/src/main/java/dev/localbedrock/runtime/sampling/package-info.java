/**
 * Turning a step's logits into tokens: the logit pipeline (bias, repetition penalties, temperature, top-k, top-p),
 * the seeded samplers, and token log-probabilities.
 *
 * <p>Pure computation: may depend on the sampling parameter types of {@code codecs} and on {@code engines}' tokenizer
 * interface ({@code TokenClasses} decodes each vocabulary id once), on no other runtime package, and does no I/O.
 *
 * <p>Threads: runs on the {@code model-<id>} scheduler thread, inside a step; {@code TokenClasses} is built once per
 * model when it loads and is read-only afterwards. Nothing here is meant to be shared across threads otherwise.
 */
package dev.localbedrock.runtime.sampling;
