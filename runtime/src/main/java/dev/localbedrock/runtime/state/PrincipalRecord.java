package dev.localbedrock.runtime.state;

import java.time.Instant;
import java.util.Objects;

/**
 * A stored principal (an IAM user that access keys act as).
 *
 * @param name the friendly name, unique
 * @param arn {@code arn:aws:iam::<account>:user/<name>}, unique
 * @param createdAt when it was created
 */
public record PrincipalRecord(String name, String arn, Instant createdAt) {
    public PrincipalRecord {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(arn, "arn");
        createdAt = Timestamps.normalize(Objects.requireNonNull(createdAt, "createdAt"));
    }
}
