package dev.localbedrock.runtime.invocationlog;

import dev.localbedrock.runtime.state.InvocationLoggingConfig;
import dev.localbedrock.runtime.state.InvocationLoggingRepository;

import java.util.Optional;

/**
 * Put/Get/Delete of the account's invocation logging configuration: stored durably, and held in memory so the call
 * path reads it without touching the database (a volatile read per call).
 */
public final class InvocationLoggingService {
    private final InvocationLoggingRepository repository;
    private volatile InvocationLoggingConfig current;

    public InvocationLoggingService(InvocationLoggingRepository repository) {
        this.repository = repository;
        this.current = repository.get().orElse(null);
    }

    /** The configuration in force, or null when logging is off. */
    public InvocationLoggingConfig current() {
        return current;
    }

    public Optional<InvocationLoggingConfig> get() {
        return Optional.ofNullable(current);
    }

    /** Stores and applies {@code config}; calls that complete afterwards are logged by it. */
    public synchronized void put(InvocationLoggingConfig config) {
        repository.put(config);
        current = config;
    }

    /**
     * Reads the configuration again, for replicas sharing one state: one put or deleted through another replica
     * applies here from the next refresh on. Blocks on the state's read.
     */
    public synchronized void refresh() {
        current = repository.get().orElse(null);
    }

    /** Turns logging off: calls that complete afterwards are neither kept nor logged. */
    public synchronized void delete() {
        repository.delete();
        current = null;
    }
}
