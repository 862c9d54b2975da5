package dev.localbedrock.runtime.state;

import java.time.Instant;

/**
 * A job row's lease.
 *
 * @param owner     the replica that holds or last held the job; null for a job never claimed (a pre-V8 row)
 * @param expiresAt when the lease ends unless renewed; null when released (or never taken)
 */
public record JobLease(String owner, Instant expiresAt) {
    /** Whether the lease still holds at {@code now}. */
    public boolean liveAt(Instant now) {
        return owner != null && expiresAt != null && !expiresAt.isBefore(now);
    }
}
