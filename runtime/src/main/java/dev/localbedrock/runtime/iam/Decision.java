package dev.localbedrock.runtime.iam;

/**
 * The outcome of one authorization: allowed or not, why, and for a denial the {@code AccessDeniedException}
 * message AWS returns (HTTP 403).
 *
 * @param outcome ALLOW, EXPLICIT_DENY or IMPLICIT_DENY
 * @param policyName the deciding statement's policy name or ARN (null for an inline policy or an implicit deny)
 * @param statementSid the deciding statement's Sid (null when it has none, or for an implicit deny)
 * @param statementIndex the deciding statement's position in its policy, from 0 (-1 for an implicit deny)
 * @param message null when allowed; otherwise AWS's AccessDeniedException message
 */
public record Decision(Outcome outcome, String policyName, String statementSid, int statementIndex,
        String message) {
    public enum Outcome { ALLOW, EXPLICIT_DENY, IMPLICIT_DENY }

    /** The exception name a denial is answered with ({@code x-amzn-ErrorType}), status 403. */
    public static final String ACCESS_DENIED = "AccessDeniedException";
    public static final int ACCESS_DENIED_STATUS = 403;

    public boolean allowed() {
        return outcome == Outcome.ALLOW;
    }

    /** For logs and the audit trail: which statement decided, or "implicit deny". */
    public String reason() {
        return switch (outcome) {
            case IMPLICIT_DENY -> "implicit deny: no identity-based policy allows the action";
            case ALLOW, EXPLICIT_DENY -> (outcome == Outcome.ALLOW ? "allowed by " : "explicitly denied by ")
                    + "statement " + (statementSid == null || statementSid.isEmpty()
                            ? "#" + (statementIndex + 1) : statementSid)
                    + (policyName == null ? " of an inline policy" : " of policy " + policyName);
        };
    }

    /**
     * AWS's wording (IAM access-denied messages as Bedrock returns them): the resource clause is left out when
     * the action has no resource ({@code "*"}), as for ListFoundationModels; an explicit deny names the policy
     * when it has an ARN.
     */
    static String implicitDenyMessage(String principalArn, String action, String resourceArn) {
        return "User: " + principalArn + " is not authorized to perform: " + action + onResource(resourceArn)
                + " because no identity-based policy allows the " + action + " action";
    }

    static String explicitDenyMessage(String principalArn, String action, String resourceArn, String policyName) {
        String policy = policyName != null && policyName.startsWith("arn:") ? ": " + policyName : "";
        return "User: " + principalArn + " is not authorized to perform: " + action + onResource(resourceArn)
                + " with an explicit deny in an identity-based policy" + policy;
    }

    private static String onResource(String resourceArn) {
        return resourceArn == null || resourceArn.equals("*") ? "" : " on resource: " + resourceArn;
    }
}
