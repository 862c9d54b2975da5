/**
 * The service assembled: {@code BedrockService} starts the server over a catalogue, {@code ModelRegistry} loads each
 * entry once (entries with the same source share one loaded model), {@code ServedModel} is what the HTTP layer
 * invokes, and {@code ShutdownGate} turns new requests away while the service drains.
 *
 * <p>May depend on every runtime package, {@code codecs} and {@code engines}; no runtime package depends on this one
 * except {@code http} (for {@code ServedModel} and the gate) and {@code cli}.
 *
 * <p>Threads: start-up and {@code close} run on the caller's thread (the {@code main} thread, or the
 * {@code shutdown} hook), and loading a model blocks it; at run time only {@code ShutdownGate} is read, from the
 * event loops, and it never blocks.
 */
package dev.localbedrock.runtime;
