package dev.localbedrock.runtime.iam;

import java.time.Instant;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * The condition keys of one request and their values. Key names are case-insensitive in IAM (so they are kept in
 * lower case); values keep their case. A key may carry several values ({@code aws:TagKeys}); a key that is absent
 * is what {@code Null} and {@code ...IfExists} ask about. Immutable once built.
 */
public final class RequestContext {
    public static final String CURRENT_TIME = "aws:CurrentTime";
    public static final String EPOCH_TIME = "aws:EpochTime";
    public static final String SOURCE_IP = "aws:SourceIp";
    public static final String SECURE_TRANSPORT = "aws:SecureTransport";
    public static final String PRINCIPAL_ARN = "aws:PrincipalArn";
    public static final String PRINCIPAL_ACCOUNT = "aws:PrincipalAccount";
    public static final String USERNAME = "aws:username";
    public static final String TAG_KEYS = "aws:TagKeys";
    public static final String REQUEST_TAG = "aws:RequestTag/";
    public static final String RESOURCE_TAG = "aws:ResourceTag/";

    private static final RequestContext EMPTY = new RequestContext(Map.of());

    private final Map<String, List<String>> values;

    private RequestContext(Map<String, List<String>> values) {
        this.values = values;
    }

    public static RequestContext empty() {
        return EMPTY;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** The values of a key (any case), or null when the request does not have the key. */
    public List<String> values(String key) {
        return values.get(key.toLowerCase(Locale.ROOT));
    }

    /** The first value of a key, or null: what a policy variable such as {@code ${aws:username}} reads. */
    public String value(String key) {
        List<String> found = values(key);
        return found == null || found.isEmpty() ? null : found.get(0);
    }

    /** Lower-case key → values, for the decision cache's key. */
    Map<String, List<String>> asMap() {
        return values;
    }

    /** This context with the keys IAM derives from the principal added (the caller's own values win). */
    RequestContext withPrincipal(Principal principal) {
        Builder builder = new Builder();
        builder.set(PRINCIPAL_ARN, principal.arn());
        String account = principal.account();
        if (!account.isEmpty()) {
            builder.set(PRINCIPAL_ACCOUNT, account);
        }
        String username = principal.username();
        if (username != null) {
            builder.set(USERNAME, username);
        }
        builder.values.putAll(values);
        return new RequestContext(Collections.unmodifiableMap(builder.values));
    }

    @Override
    public String toString() {
        return values.toString();
    }

    public static final class Builder {
        private final Map<String, List<String>> values = new LinkedHashMap<>();
        private final Set<String> tagKeys = new LinkedHashSet<>();

        private Builder() {}

        /** Sets a key to one or more values, replacing what it had. */
        public Builder set(String key, String... keyValues) {
            return set(key, List.of(keyValues));
        }

        public Builder set(String key, List<String> keyValues) {
            values.put(key.toLowerCase(Locale.ROOT), List.copyOf(keyValues));
            return this;
        }

        /** A tag the request sets ({@code aws:RequestTag/KEY}); its key joins {@code aws:TagKeys}. */
        public Builder requestTag(String key, String value) {
            set(REQUEST_TAG + key, value);
            tagKeys.add(key);
            return this;
        }

        /** A key the request names without a value (UntagResource's tagKeys): {@code aws:TagKeys} only. */
        public Builder tagKey(String key) {
            tagKeys.add(key);
            return this;
        }

        /** A tag the target resource already has ({@code aws:ResourceTag/KEY}). */
        public Builder resourceTag(String key, String value) {
            return set(RESOURCE_TAG + key, value);
        }

        public Builder sourceIp(String address) {
            return set(SOURCE_IP, address);
        }

        public Builder secureTransport(boolean secure) {
            return set(SECURE_TRANSPORT, Boolean.toString(secure));
        }

        /** {@code aws:CurrentTime} (ISO 8601, as IAM gives it) and {@code aws:EpochTime} (seconds). */
        public Builder currentTime(Instant now) {
            set(CURRENT_TIME, DateTimeFormatter.ISO_INSTANT.format(now));
            return set(EPOCH_TIME, Long.toString(now.getEpochSecond()));
        }

        public RequestContext build() {
            Map<String, List<String>> built = new LinkedHashMap<>(values);
            if (!tagKeys.isEmpty() && !built.containsKey(TAG_KEYS.toLowerCase(Locale.ROOT))) {
                built.put(TAG_KEYS.toLowerCase(Locale.ROOT), List.copyOf(new ArrayList<>(tagKeys)));
            }
            return new RequestContext(Collections.unmodifiableMap(built));
        }
    }
}
