package dev.localbedrock.runtime.tls;

import dev.localbedrock.runtime.catalog.TlsSettings;

import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.PrivateKey;
import java.security.Signature;
import java.security.cert.X509Certificate;
import java.util.HexFormat;
import java.util.List;

/**
 * A private key and the certificate chain it serves (leaf first), checked to belong together.
 *
 * @param key         the leaf certificate's private key
 * @param chain       leaf first, then any intermediates
 * @param selfSigned  true when this is the server's own generated certificate
 */
public record TlsCertificate(PrivateKey key, List<X509Certificate> chain, boolean selfSigned) {
    public TlsCertificate {
        chain = List.copyOf(chain);
        if (chain.isEmpty()) {
            throw new IllegalArgumentException("a certificate chain holds at least the leaf");
        }
    }

    /** The operator's PEM files when configured, else the self-signed certificate (generated on first start). */
    public static TlsCertificate forSettings(TlsSettings tls) {
        if (tls.operatorCertificate()) {
            List<X509Certificate> chain = PemFiles.readCertificates(tls.certificate());
            PrivateKey key = PemFiles.readPrivateKey(tls.privateKey());
            if (!matches(key, chain.get(0))) {
                throw new TlsConfigurationException("TLS private key " + tls.privateKey()
                        + " does not belong to the certificate " + tls.certificate()
                        + " (its first certificate must be the one the key signs for)");
            }
            return new TlsCertificate(key, chain, false);
        }
        return SelfSignedCertificate.loadOrCreate(tls.generatedDir());
    }

    public X509Certificate leaf() {
        return chain.get(0);
    }

    /** The leaf's SHA-256 fingerprint as {@code AA:BB:…}, the form browsers and {@code openssl x509} print. */
    public String sha256Fingerprint() {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(leaf().getEncoded());
            return HexFormat.ofDelimiter(":").withUpperCase().formatHex(digest);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("cannot fingerprint the TLS certificate", e);
        }
    }

    /** Whether {@code key} signs for {@code cert}: a signature made with the one verifies with the other. */
    static boolean matches(PrivateKey key, X509Certificate cert) {
        String algorithm = switch (key.getAlgorithm()) {
            case "RSA" -> "SHA256withRSA";
            case "EC" -> "SHA256withECDSA";
            case "Ed25519", "EdDSA" -> "Ed25519";
            case "Ed448" -> "Ed448";
            default -> null;
        };
        if (algorithm == null || !key.getAlgorithm().equals(cert.getPublicKey().getAlgorithm())
                && !(key.getAlgorithm().startsWith("Ed") && cert.getPublicKey().getAlgorithm().startsWith("Ed"))) {
            return false;
        }
        try {
            byte[] challenge = "local-bedrock key check".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
            Signature signer = Signature.getInstance(algorithm);
            signer.initSign(key);
            signer.update(challenge);
            byte[] signature = signer.sign();
            Signature verifier = Signature.getInstance(algorithm);
            verifier.initVerify(cert.getPublicKey());
            verifier.update(challenge);
            return verifier.verify(signature);
        } catch (GeneralSecurityException e) {
            return false;
        }
    }
}
