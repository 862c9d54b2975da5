package dev.localbedrock.runtime.state;

/**
 * A value read together with the security generation in the same transaction, so a cache can tell whether what it
 * read is as new as what it already holds.
 */
public record AtGeneration<T>(long generation, T value) {
}
