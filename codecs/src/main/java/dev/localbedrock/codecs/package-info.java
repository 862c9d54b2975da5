/**
 * The Bedrock wire, shared side: the family codec contracts, AWS error types and bodies,
 * the family codec registries ({@link dev.localbedrock.codecs.TextFamilies},
 * {@link dev.localbedrock.codecs.EmbeddingFamilies}) and the shared Jackson setup.
 * Pure Jackson: nothing here knows about Netty or the engines.
 */
package dev.localbedrock.codecs;
