package dev.localbedrock.runtime.tls;

import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.cert.CertificateExpiredException;
import java.security.cert.CertificateNotYetValidException;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.List;

/**
 * The server's own certificate when the operator gives none: an EC P-256 key and a self-signed X.509 certificate for
 * localhost (DNS localhost, IP 127.0.0.1 and ::1), valid for a year. Written once as {@value #CERT_FILE} and
 * {@value #KEY_FILE} (owner-only) and found again on every later start, so a client that trusts the file (or pins
 * its fingerprint) keeps working across restarts; a pair that has expired, or half a pair, is replaced.
 */
final class SelfSignedCertificate {
    static final String CERT_FILE = "cert.pem";
    static final String KEY_FILE = "key.pem";
    static final Duration VALIDITY = Duration.ofDays(365);
    private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(SelfSignedCertificate.class);

    private SelfSignedCertificate() {
    }

    static TlsCertificate loadOrCreate(Path dir) {
        Path cert = dir.resolve(CERT_FILE);
        Path key = dir.resolve(KEY_FILE);
        try {
            Files.createDirectories(dir);
            // Two servers sharing a cache folder must not each write half a pair.
            try (FileChannel lockFile = FileChannel.open(dir.resolve(".lock"), StandardOpenOption.CREATE,
                    StandardOpenOption.WRITE); FileLock ignored = lockFile.lock()) {
                if (Files.exists(cert) && Files.exists(key)) {
                    TlsCertificate existing = load(cert, key);
                    if (existing != null) {
                        return existing;
                    }
                }
                return create(cert, key);
            }
        } catch (IOException e) {
            throw new TlsConfigurationException("cannot write the self-signed TLS certificate under " + dir + ": "
                    + e.getMessage(), e);
        }
    }

    /** The pair on disk, or null when it has expired and must be replaced. */
    private static TlsCertificate load(Path cert, Path key) {
        List<X509Certificate> chain = PemFiles.readCertificates(cert);
        PrivateKey privateKey = PemFiles.readPrivateKey(key);
        if (!TlsCertificate.matches(privateKey, chain.get(0))) {
            throw new TlsConfigurationException("TLS private key " + key + " does not belong to the certificate "
                    + cert + "; delete both to have a new pair generated");
        }
        try {
            chain.get(0).checkValidity();
        } catch (CertificateExpiredException | CertificateNotYetValidException e) {
            log.warn("the self-signed TLS certificate {} is outside its validity ({}); generating a new one", cert,
                    e.getMessage());
            return null;
        }
        return new TlsCertificate(privateKey, chain, true);
    }

    private static TlsCertificate create(Path cert, Path key) throws IOException {
        try {
            KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
            generator.initialize(new ECGenParameterSpec("secp256r1"), new SecureRandom());
            KeyPair pair = generator.generateKeyPair();
            X509Certificate certificate = selfSign(pair, Instant.now());
            PemFiles.write(key, true, pair.getPrivate());
            PemFiles.write(cert, false, certificate);
            log.info("generated a self-signed TLS certificate for localhost: {}", cert);
            return new TlsCertificate(pair.getPrivate(), List.of(certificate), true);
        } catch (GeneralSecurityException | OperatorCreationException e) {
            throw new IllegalStateException("cannot generate a self-signed TLS certificate", e);
        }
    }

    static X509Certificate selfSign(KeyPair pair, Instant now)
            throws GeneralSecurityException, OperatorCreationException {
        X500Name name = new X500Name("CN=localhost,O=Local Bedrock");
        // A little slack before now: a client whose clock is slightly behind still accepts it.
        Date notBefore = Date.from(now.minus(Duration.ofHours(1)));
        Date notAfter = Date.from(now.plus(VALIDITY));
        BigInteger serial = new BigInteger(127, new SecureRandom()).add(BigInteger.ONE);
        X509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(name, serial, notBefore, notAfter, name,
                pair.getPublic());
        JcaX509ExtensionUtils ext = new JcaX509ExtensionUtils();
        try {
            // An end-entity certificate that is its own trust anchor: OpenSSL's strict verification (Python 3.13)
            // wants critical basic constraints, key usage and both key identifiers.
            builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
            builder.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature));
            builder.addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(KeyPurposeId.id_kp_serverAuth));
            builder.addExtension(Extension.subjectAlternativeName, false, new GeneralNames(new GeneralName[] {
                    new GeneralName(GeneralName.dNSName, "localhost"),
                    new GeneralName(GeneralName.iPAddress, "127.0.0.1"),
                    new GeneralName(GeneralName.iPAddress, "::1")}));
            builder.addExtension(Extension.subjectKeyIdentifier, false,
                    ext.createSubjectKeyIdentifier(pair.getPublic()));
            builder.addExtension(Extension.authorityKeyIdentifier, false,
                    ext.createAuthorityKeyIdentifier(pair.getPublic()));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return new JcaX509CertificateConverter().getCertificate(
                builder.build(new JcaContentSignerBuilder("SHA256withECDSA").build(pair.getPrivate())));
    }
}
