package dev.localbedrock.runtime.iam;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Remembers decisions per (principal, policy epoch, action, resource, the values of the condition keys the
 * policies read). The caller bumps a principal's epoch whenever its keys or policies change, so stale entries are
 * never looked up again and age out. Requests whose policies read the clock ({@code aws:CurrentTime},
 * {@code aws:EpochTime}) are not cached: every request would be a different key. Bounded: past
 * {@code maxEntries} a slice of entries is dropped (not LRU: the hot set refills itself at one evaluation each).
 */
public final class DecisionCache {
    private static final Set<String> CLOCK_KEYS = Set.of(RequestContext.CURRENT_TIME.toLowerCase(Locale.ROOT),
            RequestContext.EPOCH_TIME.toLowerCase(Locale.ROOT));

    private record Key(String principalArn, long epoch, String action, String resourceArn, List<Object> context) {}

    private final Authorizer authorizer;
    private final int maxEntries;
    private final ConcurrentHashMap<Key, Decision> entries;

    public DecisionCache(Authorizer authorizer, int maxEntries) {
        if (maxEntries < 1) {
            throw new IllegalArgumentException("maxEntries must be positive: " + maxEntries);
        }
        this.authorizer = authorizer;
        this.maxEntries = maxEntries;
        this.entries = new ConcurrentHashMap<>(Math.min(maxEntries, 1 << 16));
    }

    /**
     * As {@link Authorizer#authorize}, from the cache when the same principal at the same epoch asked the same
     * thing with the same values of the keys its policies read.
     *
     * @param policyEpoch the principal's policy version; bump it when its policies change
     */
    public Decision authorize(Principal principal, long policyEpoch, List<PolicyDocument> policies, String action,
            String resourceArn, RequestContext context) {
        RequestContext safe = context == null ? RequestContext.empty() : context;
        List<Object> relevant = relevantContext(policies, safe);
        if (relevant == null) {
            return authorizer.authorize(principal, policies, action, resourceArn, safe);
        }
        Key key = new Key(principal.arn(), policyEpoch, action, resourceArn, relevant);
        Decision cached = entries.get(key);
        if (cached != null) {
            return cached;
        }
        Decision decision = authorizer.authorize(principal, policies, action, resourceArn, safe);
        if (entries.size() >= maxEntries) {
            evictSlice();
        }
        entries.put(key, decision);
        return decision;
    }

    /** Drops every entry (e.g. after a bulk policy reload). */
    public void clear() {
        entries.clear();
    }

    public int size() {
        return entries.size();
    }

    /** Key and values of each condition key the policies read, in a stable order; null when one is the clock. */
    private static List<Object> relevantContext(List<PolicyDocument> policies, RequestContext context) {
        java.util.Collection<String> keys;
        if (policies.size() == 1) {
            keys = policies.get(0).sortedConditionKeys();
        } else {
            TreeSet<String> union = new TreeSet<>();
            for (PolicyDocument policy : policies) {
                union.addAll(policy.sortedConditionKeys());
            }
            keys = union;
        }
        if (keys.isEmpty()) {
            return List.of();
        }
        List<Object> values = new ArrayList<>(keys.size() * 2);
        for (String key : keys) {
            if (CLOCK_KEYS.contains(key)) {
                return null;
            }
            values.add(key);
            values.add(context.values(key)); // null (absent) is a value too: Null and IfExists read it
        }
        return values;
    }

    private void evictSlice() {
        int toDrop = Math.max(1, maxEntries / 8);
        Iterator<Key> keys = entries.keySet().iterator();
        while (toDrop-- > 0 && keys.hasNext()) {
            keys.next();
            keys.remove();
        }
    }
}
