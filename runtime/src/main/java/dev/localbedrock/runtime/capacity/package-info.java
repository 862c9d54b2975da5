/**
 * Measuring what one host can really serve of a text model: closed-loop load at increasing concurrency against the
 * model's own worker (no HTTP), the sustained tokens per minute and the latencies at each level, and the level an
 * operator can reserve as a model unit ({@code bedrock-runtime capacity}, docs/capacity.md).
 */
package dev.localbedrock.runtime.capacity;
