package dev.localbedrock.runtime.auth;

import dev.localbedrock.runtime.state.StateStore;

import javax.crypto.AEADBadTagException;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.AclEntry;
import java.nio.file.attribute.AclEntryPermission;
import java.nio.file.attribute.AclEntryType;
import java.nio.file.attribute.AclFileAttributeView;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Base64;
import java.util.EnumSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Encrypts secrets for the state database with AES-256-GCM under the master key, and decrypts them.
 *
 * <p>Why sealed and not hashed: SigV4 is an HMAC over the request keyed (through a derivation) by the secret, so
 * the server must recompute it from the secret itself; a hash of the secret could verify nothing. The same holds
 * for a temporary key's session token as far as the verifier's contract goes ({@link SigningCredential} carries it
 * in the clear for a constant-time comparison), so it is sealed the same way rather than hashed: one mechanism, and
 * a database copied without the master key reveals neither.
 *
 * <p>A sealed value is {@code v1:<key fingerprint>:<base64(nonce ‖ ciphertext ‖ tag)>}: a fresh 96-bit nonce per
 * value and a 128-bit tag. The associated data names what the value is and whose ({@code secret:AKIA…}), so a
 * sealed value copied into another row or column does not unseal there. The fingerprint (the first 4 bytes of a
 * SHA-256 of the key) only lets a wrong master key be reported as such rather than as corrupt data.
 *
 * <p>The master key: {@value #MASTER_KEY_ENV} (32 bytes, base64) when set, else the file {@value #KEY_FILE} beside
 * an SQLite state database, created on first use readable by its owner only (POSIX 0600, or an owner-only ACL).
 */
public final class SecretSealer {
    public static final String MASTER_KEY_ENV = "LOCAL_BEDROCK_MASTER_KEY";
    public static final String KEY_FILE = "master.key";
    private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(SecretSealer.class);
    private static final String VERSION = "v1";
    private static final int KEY_BYTES = 32;
    private static final int NONCE_BYTES = 12;
    private static final int TAG_BITS = 128;
    private static final SecureRandom RANDOM = new SecureRandom();

    private final SecretKeySpec key;
    private final String fingerprint;

    private SecretSealer(byte[] key) {
        if (key.length != KEY_BYTES) {
            throw new IllegalArgumentException("the master key must be " + KEY_BYTES + " bytes, not " + key.length);
        }
        this.key = new SecretKeySpec(key, "AES");
        this.fingerprint = fingerprint(key);
    }

    /** A sealer over a 32-byte key. */
    public static SecretSealer of(byte[] key) {
        return new SecretSealer(key.clone());
    }

    /** The sealer for the state database at {@code jdbcUrl}: the key from the environment, else from its file. */
    public static SecretSealer forState(String jdbcUrl) {
        return forState(jdbcUrl, System.getenv());
    }

    static SecretSealer forState(String jdbcUrl, Map<String, String> env) {
        String configured = env.get(MASTER_KEY_ENV);
        if (configured != null && !configured.isBlank()) {
            byte[] key;
            try {
                key = Base64.getDecoder().decode(configured.trim());
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(MASTER_KEY_ENV + " is not base64: " + e.getMessage());
            }
            if (key.length != KEY_BYTES) {
                throw new IllegalArgumentException(MASTER_KEY_ENV + " must hold " + KEY_BYTES
                        + " bytes (base64 of a 256-bit key, e.g. `openssl rand -base64 32`), not " + key.length);
            }
            return new SecretSealer(key);
        }
        Path database = StateStore.sqliteFile(jdbcUrl).orElseThrow(() -> new IllegalArgumentException(
                "the state database " + jdbcUrl + " is not an SQLite file, so there is no folder to keep the master"
                        + " key in: set " + MASTER_KEY_ENV + " (base64 of 32 random bytes)"));
        return new SecretSealer(loadOrCreate(database.toAbsolutePath().getParent().resolve(KEY_FILE)));
    }

    /** Reads the key file, creating it (owner-only) when absent; two processes racing get the same key. */
    static byte[] loadOrCreate(Path file) {
        try {
            if (!Files.exists(file)) {
                create(file);
            }
            warnIfOthersCanRead(file);
            String text = Files.readString(file, StandardCharsets.US_ASCII).trim();
            byte[] key;
            try {
                key = Base64.getDecoder().decode(text);
            } catch (IllegalArgumentException e) {
                throw new IllegalStateException("the master key file " + file + " is not base64");
            }
            if (key.length != KEY_BYTES) {
                throw new IllegalStateException("the master key file " + file + " holds " + key.length
                        + " bytes, not " + KEY_BYTES);
            }
            return key;
        } catch (IOException e) {
            throw new IllegalStateException("cannot read or create the master key file " + file + ": "
                    + e.getMessage(), e);
        }
    }

    /**
     * Writes the key to a private temporary file, then links it into place: the link fails when another process
     * got there first (whose key we then read), and no reader ever sees a half-written key file.
     */
    private static void create(Path file) throws IOException {
        Files.createDirectories(file.getParent());
        byte[] key = new byte[KEY_BYTES];
        RANDOM.nextBytes(key);
        Path temp = file.resolveSibling(KEY_FILE + "." + Long.toUnsignedString(RANDOM.nextLong(), 36) + ".tmp");
        try {
            createPrivate(temp);
            Files.writeString(temp, Base64.getEncoder().encodeToString(key) + "\n", StandardCharsets.US_ASCII,
                    StandardOpenOption.WRITE, StandardOpenOption.SYNC);
            try {
                Files.createLink(file, temp);
            } catch (FileAlreadyExistsException raced) {
                return;
            } catch (UnsupportedOperationException | IOException noLinks) {
                try {
                    Files.move(temp, file); // no REPLACE_EXISTING: a key already there is kept
                } catch (FileAlreadyExistsException raced) {
                    return;
                }
            }
            log.info("created the master key {} (keep it with backups of the state database, and apart from them)",
                    file);
        } finally {
            Arrays.fill(key, (byte) 0);
            Files.deleteIfExists(temp);
        }
    }

    private static void createPrivate(Path path) throws IOException {
        if (Files.getFileStore(path.getParent()).supportsFileAttributeView("posix")) {
            Files.createFile(path, PosixFilePermissions.asFileAttribute(
                    EnumSet.of(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE)));
            return;
        }
        Files.createFile(path);
        AclFileAttributeView acl = Files.getFileAttributeView(path, AclFileAttributeView.class);
        if (acl != null) {
            acl.setAcl(List.of(AclEntry.newBuilder().setType(AclEntryType.ALLOW).setPrincipal(acl.getOwner())
                    .setPermissions(EnumSet.allOf(AclEntryPermission.class)).build()));
        }
    }

    private static void warnIfOthersCanRead(Path file) throws IOException {
        if (!Files.getFileStore(file).supportsFileAttributeView("posix")) {
            return;
        }
        Set<PosixFilePermission> permissions = Files.getPosixFilePermissions(file);
        if (permissions.contains(PosixFilePermission.GROUP_READ)
                || permissions.contains(PosixFilePermission.OTHERS_READ)) {
            log.warn("the master key file {} can be read by others ({}): chmod 600 it", file,
                    PosixFilePermissions.toString(permissions));
        }
    }

    /** Seals {@code plaintext}; {@code context} (what and whose it is) must be given again to unseal. */
    public String seal(String plaintext, String context) {
        byte[] nonce = new byte[NONCE_BYTES];
        RANDOM.nextBytes(nonce);
        try {
            Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
            cipher.init(Cipher.ENCRYPT_MODE, key, new GCMParameterSpec(TAG_BITS, nonce));
            cipher.updateAAD(context.getBytes(StandardCharsets.UTF_8));
            byte[] sealed = cipher.doFinal(plaintext.getBytes(StandardCharsets.UTF_8));
            byte[] out = new byte[NONCE_BYTES + sealed.length];
            System.arraycopy(nonce, 0, out, 0, NONCE_BYTES);
            System.arraycopy(sealed, 0, out, NONCE_BYTES, sealed.length);
            return VERSION + ":" + fingerprint + ":" + Base64.getEncoder().encodeToString(out);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-GCM is not available: " + e.getMessage(), e);
        }
    }

    /**
     * Unseals a value {@link #seal} made under the same key and context.
     *
     * @throws UnsealException when the key is not the one it was sealed with, or the value was altered or moved
     */
    public String unseal(String sealed, String context) {
        String[] parts = sealed.split(":", 3);
        if (parts.length != 3 || !parts[0].equals(VERSION)) {
            throw new UnsealException("the sealed " + context + " is not in a format this release reads");
        }
        if (!parts[1].equals(fingerprint)) {
            throw new UnsealException("the " + context + " was sealed under another master key (fingerprint "
                    + parts[1] + "; this one's is " + fingerprint + "): restore the master key that goes with"
                    + " this state database");
        }
        byte[] in;
        try {
            in = Base64.getDecoder().decode(parts[2]);
        } catch (IllegalArgumentException e) {
            throw new UnsealException("the sealed " + context + " is corrupt");
        }
        if (in.length < NONCE_BYTES + TAG_BITS / 8) {
            throw new UnsealException("the sealed " + context + " is truncated");
        }
        try {
            Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
            cipher.init(Cipher.DECRYPT_MODE, key, new GCMParameterSpec(TAG_BITS, in, 0, NONCE_BYTES));
            cipher.updateAAD(context.getBytes(StandardCharsets.UTF_8));
            return new String(cipher.doFinal(in, NONCE_BYTES, in.length - NONCE_BYTES), StandardCharsets.UTF_8);
        } catch (AEADBadTagException e) {
            throw new UnsealException("the sealed " + context + " does not authenticate: altered, moved from"
                    + " another row, or sealed under another master key");
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-GCM is not available: " + e.getMessage(), e);
        }
    }

    /** Identifies the key in sealed values without revealing anything usable about it. */
    public String fingerprint() {
        return fingerprint;
    }

    private static String fingerprint(byte[] key) {
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            sha.update("local-bedrock master key fingerprint\0".getBytes(StandardCharsets.US_ASCII));
            return HexFormat.of().formatHex(sha.digest(key), 0, 4);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    /** A sealed value cannot be opened: wrong master key, or the stored value was altered. */
    public static final class UnsealException extends RuntimeException {
        public UnsealException(String message) {
            super(message);
        }
    }
}
