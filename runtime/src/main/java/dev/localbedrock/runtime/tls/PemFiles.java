package dev.localbedrock.runtime.tls;

import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.openssl.PEMEncryptedKeyPair;
import org.bouncycastle.openssl.PEMKeyPair;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.openssl.jcajce.JcaPKCS8Generator;
import org.bouncycastle.pkcs.PKCS8EncryptedPrivateKeyInfo;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.Reader;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.PrivateKey;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;

/** Reads and writes the PEM files of a TLS certificate; every failure names the file. */
final class PemFiles {
    private PemFiles() {
    }

    /** The certificates of a PEM file, in file order (leaf first). */
    static List<X509Certificate> readCertificates(Path file) {
        byte[] bytes = read(file, "certificate");
        try (InputStream in = new ByteArrayInputStream(bytes)) {
            List<X509Certificate> chain = new ArrayList<>();
            CertificateFactory.getInstance("X.509").generateCertificates(in)
                    .forEach(c -> chain.add((X509Certificate) c));
            if (chain.isEmpty()) {
                throw new TlsConfigurationException("TLS certificate " + file + " holds no PEM certificate");
            }
            return chain;
        } catch (CertificateException | IOException e) {
            throw new TlsConfigurationException("TLS certificate " + file + " is not a PEM certificate chain: "
                    + e.getMessage(), e);
        }
    }

    /** A PEM private key: PKCS#8 ({@code BEGIN PRIVATE KEY}) or the traditional EC/RSA form; not encrypted. */
    static PrivateKey readPrivateKey(Path file) {
        String text = new String(read(file, "private key"), StandardCharsets.US_ASCII);
        try (Reader reader = new java.io.StringReader(text); PEMParser pem = new PEMParser(reader)) {
            JcaPEMKeyConverter converter = new JcaPEMKeyConverter();
            for (Object o = pem.readObject(); o != null; o = pem.readObject()) {
                if (o instanceof PrivateKeyInfo info) {
                    return converter.getPrivateKey(info);
                }
                if (o instanceof PEMKeyPair pair) {
                    return converter.getKeyPair(pair).getPrivate();
                }
                if (o instanceof PKCS8EncryptedPrivateKeyInfo || o instanceof PEMEncryptedKeyPair) {
                    throw new TlsConfigurationException("TLS private key " + file + " is encrypted; the server "
                            + "needs it unencrypted (keep the file readable by the server's user only)");
                }
            }
            throw new TlsConfigurationException("TLS private key " + file + " holds no PEM private key");
        } catch (IOException e) {
            throw new TlsConfigurationException("TLS private key " + file + " is not a PEM private key: "
                    + e.getMessage(), e);
        }
    }

    /** Writes {@code objects} as PEM, atomically: a reader sees the old file or the whole new one. */
    static void write(Path file, boolean secret, Object... objects) throws IOException {
        StringWriter text = new StringWriter();
        try (JcaPEMWriter pem = new JcaPEMWriter(text)) {
            for (Object o : objects) {
                // Keys as PKCS#8 (BEGIN PRIVATE KEY), the form every TLS library reads.
                pem.writeObject(o instanceof PrivateKey k ? new JcaPKCS8Generator(k, null) : o);
            }
        }
        Path dir = file.toAbsolutePath().getParent();
        Path temp = secret && posix(dir)
                ? Files.createTempFile(dir, file.getFileName().toString(), ".tmp", ownerOnly())
                : Files.createTempFile(dir, file.getFileName().toString(), ".tmp");
        try {
            Files.writeString(temp, text.toString(), StandardCharsets.US_ASCII);
            Files.move(temp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } finally {
            Files.deleteIfExists(temp);
        }
    }

    private static boolean posix(Path dir) {
        return dir.getFileSystem().supportedFileAttributeViews().contains("posix");
    }

    private static FileAttribute<?> ownerOnly() {
        return PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------"));
    }

    private static byte[] read(Path file, String what) {
        try {
            return Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            throw new TlsConfigurationException("TLS " + what + " " + file + " does not exist", e);
        } catch (AccessDeniedException e) {
            throw new TlsConfigurationException("TLS " + what + " " + file + " is not readable by this user", e);
        } catch (IOException e) {
            throw new TlsConfigurationException("TLS " + what + " " + file + " cannot be read: " + e.getMessage(), e);
        }
    }
}
