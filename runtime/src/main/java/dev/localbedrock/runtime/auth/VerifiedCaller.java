package dev.localbedrock.runtime.auth;

/**
 * Who sent a request, once its signature checked out (or, in open mode, who it claims to be).
 *
 * @param accessKeyId the key the request was signed with; null for an anonymous request in open mode
 * @param principalArn the principal the key acts as, e.g. {@code arn:aws:iam::000000000000:user/alice};
 *     {@value #ANONYMOUS_PRINCIPAL} for an anonymous request in open mode
 * @param temporary whether the key is a temporary one (it came with a session token)
 * @param region the region from the signature's credential scope (null when not signed)
 * @param service the service from the credential scope, {@code bedrock} for every Bedrock SDK (null when not signed)
 */
public record VerifiedCaller(String accessKeyId, String principalArn, boolean temporary, String region,
                             String service) {
    /** The principal of an unsigned request in open mode: the word AWS's own logs use for such a requester. */
    public static final String ANONYMOUS_PRINCIPAL = "anonymous";

    public boolean anonymous() {
        return accessKeyId == null;
    }
}
