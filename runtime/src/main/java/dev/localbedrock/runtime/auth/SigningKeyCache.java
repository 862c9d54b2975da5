package dev.localbedrock.runtime.auth;

import java.nio.charset.StandardCharsets;
import java.util.concurrent.ConcurrentHashMap;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * SigV4's derived signing keys, {@code HMAC(HMAC(HMAC(HMAC("AWS4"+secret, date), region), service), "aws4_request")}:
 * four HMACs that only change once a day per key, so a warm key costs one map look-up instead.
 *
 * <p>Bounded: past {@code maxEntries} the map is emptied and refills with the keys in use (a day's worth of keys is
 * one entry per key and scope; a cheap reset is enough, and an attacker cycling scopes for unknown keys never gets
 * here, since the key is looked up first). The secret is part of the cache key, so a key whose secret changes never
 * reuses a key derived from the old one.
 */
final class SigningKeyCache {
    private record Scope(String accessKeyId, String secret, String date, String region, String service) {}

    private final ConcurrentHashMap<Scope, byte[]> keys = new ConcurrentHashMap<>();
    private final int maxEntries;

    SigningKeyCache(int maxEntries) {
        this.maxEntries = maxEntries;
    }

    byte[] signingKey(SigningCredential credential, String date, String region, String service) {
        Scope scope = new Scope(credential.accessKeyId(), credential.secretAccessKey(), date, region, service);
        byte[] key = keys.get(scope);
        if (key == null) {
            key = derive(credential.secretAccessKey(), date, region, service);
            if (keys.size() >= maxEntries) {
                keys.clear();
            }
            keys.put(scope, key);
        }
        return key;
    }

    int size() {
        return keys.size();
    }

    static byte[] derive(String secret, String date, String region, String service) {
        byte[] key = hmac(("AWS4" + secret).getBytes(StandardCharsets.UTF_8), date);
        key = hmac(key, region);
        key = hmac(key, service);
        return hmac(key, "aws4_request");
    }

    static byte[] hmac(byte[] key, String data) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key, "HmacSHA256"));
            return mac.doFinal(data.getBytes(StandardCharsets.UTF_8));
        } catch (java.security.GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is part of every Java runtime", e);
        }
    }
}
