package dev.localbedrock.runtime.iam;

import java.util.Objects;

/**
 * Who is calling: the principal's ARN ({@code arn:aws:iam::000000000000:user/alice},
 * {@code arn:aws:sts::000000000000:assumed-role/Role/session}). The account and, for IAM users, the user name are
 * read from it; they feed {@code aws:PrincipalAccount} and {@code aws:username} as IAM fills them.
 */
public record Principal(String arn) {
    public Principal {
        Objects.requireNonNull(arn, "arn");
    }

    /** The 12-digit account, or "" when the ARN has none. */
    public String account() {
        String[] parts = ArnPattern.split(arn);
        return parts == null ? "" : parts[4];
    }

    /**
     * The IAM user's friendly name (last path element of {@code user/path/name}), or null for any other kind of
     * principal: IAM sets {@code aws:username} for IAM users only.
     */
    public String username() {
        String[] parts = ArnPattern.split(arn);
        if (parts == null || !parts[2].equals("iam") || !parts[5].startsWith("user/")) {
            return null;
        }
        return parts[5].substring(parts[5].lastIndexOf('/') + 1);
    }
}
