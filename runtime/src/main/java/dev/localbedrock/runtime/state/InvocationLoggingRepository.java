package dev.localbedrock.runtime.state;

import java.util.Optional;

/** The one model invocation logging configuration, kept across restarts. */
public interface InvocationLoggingRepository {
    /** The stored configuration, or empty when logging is off. */
    Optional<InvocationLoggingConfig> get();

    /** Stores {@code config}, replacing the one there. */
    void put(InvocationLoggingConfig config);

    /** Removes the configuration (logging off). @return whether there was one */
    boolean delete();
}
