package dev.localbedrock.runtime.auth;

import java.util.Objects;
import java.util.regex.Pattern;

/**
 * Names the caller in {@code auth: open} mode, where nothing is verified: the access key id a request claims (from
 * its {@code Authorization} header or presigned query) becomes {@code arn:aws:iam::<account>:user/<accessKeyId>}, so
 * audit records and per-caller quotas still tell clients apart; a request that claims none is
 * {@link VerifiedCaller#ANONYMOUS_PRINCIPAL anonymous}. Whatever a client writes here is believed: open mode is for a
 * trusted network only.
 */
public final class OpenModeCaller {
    /** The characters IAM allows in a user name: a claimed key id outside them is not made into an ARN. */
    private static final Pattern KEY_ID = Pattern.compile("[A-Za-z0-9_+=,.@-]{1,128}");

    private final String accountId;

    public OpenModeCaller(String accountId) {
        this.accountId = Objects.requireNonNull(accountId, "accountId");
    }

    public VerifiedCaller identify(SignedRequest request) {
        String credential = claimedCredential(request);
        if (credential == null) {
            return anonymous();
        }
        String[] scope = credential.split("/", -1);
        if (!KEY_ID.matcher(scope[0]).matches()) {
            return anonymous();
        }
        String region = scope.length == 5 && !scope[2].isEmpty() ? scope[2] : null;
        String service = scope.length == 5 && !scope[3].isEmpty() ? scope[3] : null;
        boolean temporary = request.header("X-Amz-Security-Token") != null
                || request.rawQuery().contains("X-Amz-Security-Token=");
        return new VerifiedCaller(scope[0], "arn:aws:iam::" + accountId + ":user/" + scope[0], temporary, region,
                service);
    }

    private VerifiedCaller anonymous() {
        return new VerifiedCaller(null, VerifiedCaller.ANONYMOUS_PRINCIPAL, false, null, null);
    }

    /** The {@code Credential=} value of the Authorization header, else {@code X-Amz-Credential}; null if neither. */
    private static String claimedCredential(SignedRequest request) {
        String authorization = request.header("Authorization");
        if (authorization != null) {
            int at = authorization.indexOf("Credential=");
            if (at < 0) {
                return null;
            }
            int end = authorization.indexOf(',', at);
            return authorization.substring(at + "Credential=".length(), end < 0 ? authorization.length() : end)
                    .trim();
        }
        for (String pair : request.rawQuery().split("&")) {
            if (pair.startsWith("X-Amz-Credential=")) {
                return SignatureParts.decode(pair.substring("X-Amz-Credential=".length()));
            }
        }
        return null;
    }
}
