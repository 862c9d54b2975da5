package dev.localbedrock.runtime.catalog;

import java.nio.file.Path;
import java.time.Duration;

/**
 * HTTPS beside the plain port ({@code server.tls} in models.yaml, docs/tls.md). Off unless a port is set; with no
 * certificate configured the server uses a self-signed one it generates once under {@code generatedDir}.
 *
 * @param port             the TLS port; {@link #OFF} when TLS is off, 0 picks a free one
 * @param certificate      the operator's PEM certificate chain (leaf first), or null for the self-signed one
 * @param privateKey       the operator's PEM private key (PKCS#8, or the traditional EC/RSA form), or null
 * @param generatedDir     where the self-signed certificate and its key are written and found again
 * @param handshakeTimeout a TLS handshake not complete after this is abandoned and its connection closed
 */
public record TlsSettings(int port, Path certificate, Path privateKey, Path generatedDir, Duration handshakeTimeout) {
    public static final int OFF = -1;
    public static final String GENERATED_DIR = "tls";
    public static final Duration DEFAULT_HANDSHAKE_TIMEOUT = Duration.ofSeconds(10);

    public TlsSettings {
        if ((certificate == null) != (privateKey == null)) {
            throw new IllegalArgumentException("a certificate and its private key go together");
        }
    }

    /** TLS off; {@code --tls-port} may still turn it on, with the self-signed certificate under {@code cacheDir}. */
    public static TlsSettings off(Path cacheDir) {
        return new TlsSettings(OFF, null, null, cacheDir.resolve(GENERATED_DIR).toAbsolutePath().normalize(),
                DEFAULT_HANDSHAKE_TIMEOUT);
    }

    public boolean enabled() {
        return port != OFF;
    }

    /** True when the operator supplied the certificate and key (no self-signed one is generated). */
    public boolean operatorCertificate() {
        return certificate != null;
    }

    public TlsSettings withPort(int newPort) {
        return new TlsSettings(newPort, certificate, privateKey, generatedDir, handshakeTimeout);
    }
}
