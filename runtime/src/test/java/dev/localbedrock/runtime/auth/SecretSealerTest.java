package dev.localbedrock.runtime.auth;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Base64;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Sealing round trips, what refuses to unseal, and where the master key comes from. */
class SecretSealerTest {
    @TempDir
    Path dir;

    private static byte[] key(int fill) {
        byte[] key = new byte[32];
        java.util.Arrays.fill(key, (byte) fill);
        return key;
    }

    @Test
    void roundTripsAndNeverRepeatsACiphertext() {
        SecretSealer sealer = SecretSealer.of(key(1));
        String a = sealer.seal("wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", "secret:AKIA1");
        String b = sealer.seal("wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", "secret:AKIA1");
        assertNotEquals(a, b, "a fresh nonce per value");
        assertFalse(a.contains("wJalrXUtnFEMI"));
        assertEquals("wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", sealer.unseal(a, "secret:AKIA1"));
        assertEquals("wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", sealer.unseal(b, "secret:AKIA1"));
    }

    @Test
    void aWrongKeyAnotherContextOrAnAlteredValueDoesNotUnseal() {
        SecretSealer sealer = SecretSealer.of(key(1));
        String sealed = sealer.seal("the secret", "secret:AKIA1");
        SecretSealer.UnsealException wrongKey = assertThrows(SecretSealer.UnsealException.class,
                () -> SecretSealer.of(key(2)).unseal(sealed, "secret:AKIA1"));
        assertTrue(wrongKey.getMessage().contains("another master key"), wrongKey.getMessage());
        assertThrows(SecretSealer.UnsealException.class, () -> sealer.unseal(sealed, "secret:AKIA2"));
        // the same fingerprint but different bytes (a forged prefix) still fails authentication
        String[] parts = sealed.split(":", 3);
        byte[] body = Base64.getDecoder().decode(parts[2]);
        body[body.length - 1] ^= 1;
        String altered = parts[0] + ":" + parts[1] + ":" + Base64.getEncoder().encodeToString(body);
        assertThrows(SecretSealer.UnsealException.class, () -> sealer.unseal(altered, "secret:AKIA1"));
        String otherFingerprint = parts[0] + ":" + SecretSealer.of(key(2)).fingerprint() + ":" + parts[2];
        assertThrows(SecretSealer.UnsealException.class,
                () -> SecretSealer.of(key(2)).unseal(otherFingerprint, "secret:AKIA1"));
        assertThrows(SecretSealer.UnsealException.class, () -> sealer.unseal("plain text", "secret:AKIA1"));
    }

    @Test
    void createsAnOwnerOnlyKeyFileBesideTheDatabaseOnceAndReusesIt() throws Exception {
        String url = "jdbc:sqlite:" + dir.resolve("state/control-plane.db");
        SecretSealer first = SecretSealer.forState(url, Map.of());
        Path file = dir.resolve("state/master.key");
        assertTrue(Files.exists(file));
        if (Files.getFileStore(file).supportsFileAttributeView("posix")) {
            assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file)));
        }
        assertEquals(32, Base64.getDecoder().decode(Files.readString(file).trim()).length);
        String sealed = first.seal("s", "c");
        assertEquals("s", SecretSealer.forState(url, Map.of()).unseal(sealed, "c"));
        try (var listing = Files.list(dir.resolve("state"))) {
            assertEquals(1, listing.count(), "no temporary file left behind");
        }
    }

    @Test
    void theEnvironmentKeyWinsAndBadOnesAreRefused() {
        String url = "jdbc:sqlite:" + dir.resolve("control-plane.db");
        String encoded = Base64.getEncoder().encodeToString(key(7));
        SecretSealer sealer = SecretSealer.forState(url, Map.of(SecretSealer.MASTER_KEY_ENV, encoded));
        assertEquals(SecretSealer.of(key(7)).fingerprint(), sealer.fingerprint());
        assertFalse(Files.exists(dir.resolve("master.key")), "no file when the key comes from the environment");
        IllegalArgumentException shortKey = assertThrows(IllegalArgumentException.class, () -> SecretSealer.forState(
                url, Map.of(SecretSealer.MASTER_KEY_ENV, Base64.getEncoder().encodeToString(new byte[16]))));
        assertTrue(shortKey.getMessage().contains("32 bytes"), shortKey.getMessage());
        assertThrows(IllegalArgumentException.class,
                () -> SecretSealer.forState(url, Map.of(SecretSealer.MASTER_KEY_ENV, "not base64!")));
        IllegalArgumentException noFolder = assertThrows(IllegalArgumentException.class,
                () -> SecretSealer.forState("jdbc:postgresql://db/bedrock", Map.of()));
        assertTrue(noFolder.getMessage().contains(SecretSealer.MASTER_KEY_ENV), noFolder.getMessage());
    }

    @Test
    void refusesAKeyFileOfTheWrongSize() throws Exception {
        Path file = dir.resolve("master.key");
        Files.writeString(file, Base64.getEncoder().encodeToString(new byte[31]));
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> SecretSealer.loadOrCreate(file));
        assertTrue(e.getMessage().contains("31 bytes"), e.getMessage());
        assertArrayEquals(new byte[31], Base64.getDecoder().decode(Files.readString(file)), "left as it was");
    }
}
