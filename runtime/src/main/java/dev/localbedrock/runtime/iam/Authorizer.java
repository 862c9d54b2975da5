package dev.localbedrock.runtime.iam;

import java.util.List;
import java.util.Objects;

/**
 * IAM's evaluation logic for identity-based policies, the only kind Bedrock has (its guide: resource-based
 * policies "no"). Every statement of every policy is considered: an applicable Deny decides at once (explicit
 * deny beats any allow); otherwise an applicable Allow allows; otherwise the request is denied by default
 * (implicit deny). Stateless and thread-safe.
 */
public final class Authorizer {
    /**
     * @param principal who calls
     * @param policies the principal's policies (all of them: user, group and role policies are evaluated alike)
     * @param action the IAM action, e.g. {@code bedrock:InvokeModel} (see {@link IamActions})
     * @param resourceArn the resource ARN, or {@code "*"} for an action without resources
     * @param context the request's condition keys; the principal's keys ({@code aws:PrincipalArn},
     *     {@code aws:PrincipalAccount}, {@code aws:username}) are added here
     */
    public Decision authorize(Principal principal, List<PolicyDocument> policies, String action,
            String resourceArn, RequestContext context) {
        Objects.requireNonNull(principal, "principal");
        Objects.requireNonNull(action, "action");
        Objects.requireNonNull(resourceArn, "resourceArn");
        RequestContext full = (context == null ? RequestContext.empty() : context).withPrincipal(principal);
        PolicyDocument allowPolicy = null;
        Statement allowStatement = null;
        int allowIndex = -1;
        for (PolicyDocument policy : policies) {
            List<Statement> statements = policy.statements();
            for (int i = 0; i < statements.size(); i++) {
                Statement statement = statements.get(i);
                if (statement.effect() == Effect.Allow && allowStatement != null) {
                    continue; // one allow is enough; only a deny could still change the outcome
                }
                if (!statement.applies(action, resourceArn, full)) {
                    continue;
                }
                if (statement.effect() == Effect.Deny) {
                    return new Decision(Decision.Outcome.EXPLICIT_DENY, policy.name(), statement.sid(), i,
                            Decision.explicitDenyMessage(principal.arn(), action, resourceArn, policy.name()));
                }
                allowPolicy = policy;
                allowStatement = statement;
                allowIndex = i;
            }
        }
        if (allowStatement != null) {
            return new Decision(Decision.Outcome.ALLOW, allowPolicy.name(), allowStatement.sid(), allowIndex, null);
        }
        return new Decision(Decision.Outcome.IMPLICIT_DENY, null, null, -1,
                Decision.implicitDenyMessage(principal.arn(), action, resourceArn));
    }
}
