package dev.localbedrock.runtime.tls;

/** The TLS port cannot start: a PEM file missing, unreadable, malformed or not matching its key. Names the file. */
public final class TlsConfigurationException extends RuntimeException {
    public TlsConfigurationException(String message) {
        super(message);
    }

    public TlsConfigurationException(String message, Throwable cause) {
        super(message, cause);
    }
}
