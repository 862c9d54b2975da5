package dev.localbedrock.runtime.auth;

import java.security.SecureRandom;
import java.util.Base64;

/**
 * New access key ids, secrets and session tokens, shaped like AWS's: a 20-character id ({@code AKIA} long-term,
 * {@code ASIA} temporary, then 16 characters of the base32 alphabet: 80 random bits), a 40-character secret (30
 * random bytes in base64: 240 bits) and an opaque session token (96 random bytes in base64).
 */
final class KeyMaterial {
    static final String LONG_TERM_PREFIX = "AKIA";
    static final String TEMPORARY_PREFIX = "ASIA";
    private static final char[] BASE32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567".toCharArray();
    private static final SecureRandom RANDOM = new SecureRandom();

    private KeyMaterial() {
    }

    static String accessKeyId(boolean temporary) {
        StringBuilder id = new StringBuilder(20).append(temporary ? TEMPORARY_PREFIX : LONG_TERM_PREFIX);
        for (int i = 0; i < 16; i++) {
            id.append(BASE32[RANDOM.nextInt(BASE32.length)]);
        }
        return id.toString();
    }

    static String secretAccessKey() {
        return randomBase64(30);
    }

    static String sessionToken() {
        return randomBase64(96);
    }

    private static String randomBase64(int bytes) {
        byte[] random = new byte[bytes];
        RANDOM.nextBytes(random);
        return Base64.getEncoder().encodeToString(random);
    }
}
