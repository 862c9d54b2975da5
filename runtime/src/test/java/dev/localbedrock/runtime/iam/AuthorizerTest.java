package dev.localbedrock.runtime.iam;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class AuthorizerTest {
    private static final Principal ALICE = new Principal("arn:aws:iam::000000000000:user/alice");
    private static final String LLAMA = "arn:aws:bedrock:us-east-1::foundation-model/meta.llama2-13b-chat-v1";
    private static final String TITAN = "arn:aws:bedrock:us-east-1::foundation-model/amazon.titan-text-express-v1";
    private final Authorizer authorizer = new Authorizer();

    private static PolicyDocument policy(String json) {
        try {
            return PolicyDocument.parse(json);
        } catch (PolicyValidationException e) {
            throw new AssertionError(e);
        }
    }

    private Decision decide(PolicyDocument policy, String action, String resource, RequestContext context) {
        return authorizer.authorize(ALICE, List.of(policy), action, resource, context);
    }

    private Decision decide(PolicyDocument policy, String action, String resource) {
        return decide(policy, action, resource, RequestContext.empty());
    }

    @Test
    void implicitDenyWithAwsWording() {
        Decision decision = authorizer.authorize(ALICE, List.of(), "bedrock:InvokeModel", LLAMA,
                RequestContext.empty());
        assertEquals(Decision.Outcome.IMPLICIT_DENY, decision.outcome());
        assertEquals("User: arn:aws:iam::000000000000:user/alice is not authorized to perform: bedrock:InvokeModel"
                + " on resource: arn:aws:bedrock:us-east-1::foundation-model/meta.llama2-13b-chat-v1 because no"
                + " identity-based policy allows the bedrock:InvokeModel action", decision.message());
        assertEquals(-1, decision.statementIndex());
    }

    @Test
    void actionWithoutResourceLeavesTheResourceClauseOut() {
        Decision decision = authorizer.authorize(ALICE, List.of(), "bedrock:ListFoundationModels", "*",
                RequestContext.empty());
        assertEquals("User: arn:aws:iam::000000000000:user/alice is not authorized to perform:"
                + " bedrock:ListFoundationModels because no identity-based policy allows the"
                + " bedrock:ListFoundationModels action", decision.message());
    }

    @Test
    void explicitDenyBeatsAnAllowInAnyOrderAndAnyPolicy() {
        PolicyDocument allow = policy("""
                {"Version":"2012-10-17","Statement":{"Sid":"All","Effect":"Allow","Action":"bedrock:*","Resource":"*"}}""");
        PolicyDocument deny = policy("""
                {"Version":"2012-10-17","Statement":{"Sid":"NoLlama","Effect":"Deny","Action":"bedrock:InvokeModel*",
                 "Resource":"arn:aws:bedrock:*::foundation-model/meta.*"}}""");
        for (List<PolicyDocument> policies : List.of(List.of(allow, deny), List.of(deny, allow))) {
            Decision decision = authorizer.authorize(ALICE, policies, "bedrock:InvokeModel", LLAMA,
                    RequestContext.empty());
            assertEquals(Decision.Outcome.EXPLICIT_DENY, decision.outcome());
            assertEquals("NoLlama", decision.statementSid());
            assertEquals("User: arn:aws:iam::000000000000:user/alice is not authorized to perform:"
                    + " bedrock:InvokeModel on resource: " + LLAMA + " with an explicit deny in an identity-based"
                    + " policy", decision.message());
            assertTrue(authorizer.authorize(ALICE, policies, "bedrock:InvokeModel", TITAN, RequestContext.empty())
                    .allowed());
        }
    }

    @Test
    void explicitDenyNamesAManagedPolicyArn() throws Exception {
        PolicyDocument deny = PolicyDocument.parse("arn:aws:iam::000000000000:policy/NoInference", """
                {"Version":"2012-10-17","Statement":{"Effect":"Deny","Action":"bedrock:*","Resource":"*"}}""");
        Decision decision = decide(deny, "bedrock:ListFoundationModels", "*");
        assertEquals("User: arn:aws:iam::000000000000:user/alice is not authorized to perform:"
                + " bedrock:ListFoundationModels with an explicit deny in an identity-based policy:"
                + " arn:aws:iam::000000000000:policy/NoInference", decision.message());
        assertEquals("explicitly denied by statement #1 of policy arn:aws:iam::000000000000:policy/NoInference",
                decision.reason());
    }

    @Test
    void allowReportsTheDecidingStatement() {
        Decision decision = decide(policy("""
                {"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iam:GetUser","Resource":"*"},
                 {"Sid":"Invoke","Effect":"Allow","Action":"bedrock:InvokeModel","Resource":"*"}]}"""),
                "bedrock:InvokeModel", LLAMA);
        assertTrue(decision.allowed());
        assertNull(decision.message());
        assertEquals("Invoke", decision.statementSid());
        assertEquals(1, decision.statementIndex());
    }

    @Test
    void actionWildcardsAndCase() {
        PolicyDocument p = policy("""
                {"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":["BEDROCK:invokemodel*","bedrock:Get?oundationModel"],"Resource":"*"}}""");
        assertTrue(decide(p, "bedrock:InvokeModel", LLAMA).allowed());
        assertTrue(decide(p, "bedrock:InvokeModelWithResponseStream", LLAMA).allowed());
        assertTrue(decide(p, "bedrock:GetFoundationModel", LLAMA).allowed());
        assertFalse(decide(p, "bedrock:ListFoundationModels", "*").allowed());
        assertTrue(decide(policy("""
                {"Statement":{"Effect":"Allow","Action":"*","Resource":"*"}}"""), "iam:GetUser", "*").allowed());
    }

    @Test
    void resourceWildcardsAreCaseSensitiveAndStayInTheirPart() {
        PolicyDocument p = policy("""
                {"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"bedrock:InvokeModel",
                 "Resource":"arn:aws:bedrock:*::foundation-model/meta.llama2-??b-chat-v1"}}""");
        assertTrue(decide(p, "bedrock:InvokeModel", LLAMA).allowed());
        assertFalse(decide(p, "bedrock:InvokeModel", LLAMA.replace("meta", "Meta")).allowed());
        assertFalse(decide(p, "bedrock:InvokeModel",
                "arn:aws:bedrock:us-east-1::foundation-model/meta.llama2-70b-chat-v1x").allowed());
        assertFalse(decide(p, "bedrock:InvokeModel",
                "arn:aws:bedrock:us-east-1:000000000000:foundation-model/meta.llama2-13b-chat-v1").allowed(),
                "foundation models have no account; '::' is an empty part, not a wildcard");
    }

    @Test
    void notActionAndNotResource() {
        PolicyDocument p = policy("""
                {"Version":"2012-10-17","Statement":[
                 {"Effect":"Allow","NotAction":"bedrock:*Provisioned*","Resource":"*"},
                 {"Effect":"Deny","Action":"bedrock:InvokeModel","NotResource":"arn:aws:bedrock:*::foundation-model/amazon.*"}]}""");
        assertTrue(decide(p, "bedrock:InvokeModel", TITAN).allowed());
        assertEquals(Decision.Outcome.EXPLICIT_DENY, decide(p, "bedrock:InvokeModel", LLAMA).outcome());
        assertEquals(Decision.Outcome.IMPLICIT_DENY,
                decide(p, "bedrock:CreateProvisionedModelThroughput", "*").outcome());
        assertTrue(decide(p, "bedrock:ListFoundationModels", "*").allowed());
    }

    @Test
    void conditionThatDoesNotMatchLeavesAnImplicitDeny() {
        PolicyDocument p = policy("""
                {"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"bedrock:*","Resource":"*",
                 "Condition":{"IpAddress":{"aws:SourceIp":"10.0.0.0/8"}}}}""");
        assertTrue(decide(p, "bedrock:InvokeModel", LLAMA, RequestContext.builder().sourceIp("10.2.3.4").build())
                .allowed());
        assertEquals(Decision.Outcome.IMPLICIT_DENY, decide(p, "bedrock:InvokeModel", LLAMA,
                RequestContext.builder().sourceIp("192.0.2.1").build()).outcome());
    }

    @Test
    void principalKeysComeFromThePrincipal() {
        PolicyDocument p = policy("""
                {"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"bedrock:*","Resource":"*",
                 "Condition":{"StringEquals":{"aws:PrincipalAccount":"000000000000","aws:username":"alice"},
                              "ArnLike":{"aws:PrincipalArn":"arn:aws:iam::*:user/*"}}}}""");
        assertTrue(decide(p, "bedrock:InvokeModel", LLAMA).allowed());
        Principal role = new Principal("arn:aws:sts::000000000000:assumed-role/Ops/alice");
        assertFalse(authorizer.authorize(role, List.of(p), "bedrock:InvokeModel", LLAMA, null).allowed(),
                "aws:username is set for IAM users only");
    }

    // --- The guide's identity-based policy examples (security chapter), with the behaviour it describes. ---

    /** "Deny permission to run inference on a specific model": both invoke actions, the named model only. */
    @Test
    void guideDenyInferenceOnOneModel() {
        PolicyDocument allowAll = policy("""
                {"Version":"2012-10-17","Statement":[{"Sid":"BedrockFullAccess","Effect":"Allow","Action":"bedrock:*","Resource":"*"}]}""");
        // As printed in the guide the example lacks the comma after the Action list; the corrected document:
        PolicyDocument denyInference = policy("""
                {
                    "Version": "2012-10-17",
                    "Statement": {
                        "Sid": "DenyInference",
                        "Effect": "Deny",
                        "Action": [
                            "bedrock:InvokeModel",
                            "bedrock:InvokeModelWithResponseStream"
                         ],
                        "Resource": "arn:aws:bedrock:*::foundation-model/meta.llama2-13b-chat-v1"
                    }
                }""");
        List<PolicyDocument> both = List.of(allowAll, denyInference);
        IamActions actions = new IamActions("us-east-1", "000000000000", name -> null);
        for (String operation : List.of("InvokeModel", "InvokeModelWithResponseStream", "Converse", "ConverseStream")) {
            IamActions.Target target = actions.target("bedrock-runtime", operation,
                    java.util.Map.of("modelId", "meta.llama2-13b-chat-v1")).orElseThrow();
            Decision decision = authorizer.authorize(ALICE, both, target.action(), target.resourceArn(),
                    RequestContext.empty());
            assertEquals(Decision.Outcome.EXPLICIT_DENY, decision.outcome(), operation);
            assertEquals("DenyInference", decision.statementSid());
            IamActions.Target other = actions.target("bedrock-runtime", operation,
                    java.util.Map.of("modelId", "amazon.titan-text-express-v1")).orElseThrow();
            assertTrue(authorizer.authorize(ALICE, both, other.action(), other.resourceArn(),
                    RequestContext.empty()).allowed(), operation + " on another model");
        }
        assertTrue(authorizer.authorize(ALICE, both, "bedrock:GetFoundationModel", LLAMA, RequestContext.empty())
                .allowed(), "only inference is denied");
    }

    @Test
    void guideDenyExampleAsPrintedIsRejectedWithASyntaxError() {
        String printed = """
                { "Version": "2012-10-17", "Statement": { "Sid": "DenyInference", "Effect": "Deny",
                  "Action": [ "bedrock:InvokeModel", "bedrock:InvokeModelWithResponseStream" ]
                  "Resource": "arn:aws:bedrock:*::foundation-model/model-id-of-model-to-deny" } }""";
        String message = assertThrows(PolicyValidationException.class, () -> PolicyDocument.parse(printed))
                .getMessage();
        assertTrue(message.startsWith("Syntax errors in policy"), message);
    }

    /** The guide's console policy: every listed action on "*", nothing else (iam actions stay denied). */
    @Test
    void guideConsolePolicyAllowsItsActionsOnly() {
        PolicyDocument console = policy("""
                {"Version":"2012-10-17","Statement":[{"Sid":"BedrockConsole","Effect":"Allow","Action":[
                 "bedrock:ListFoundationModels","bedrock:GetFoundationModel","bedrock:InvokeModel",
                 "bedrock:InvokeModelWithResponseStream","bedrock:CreateModelCustomizationJob",
                 "bedrock:GetModelCustomizationJob","bedrock:GetFoundationModelAvailability",
                 "bedrock:ListModelCustomizationJobs","bedrock:StopModelCustomizationJob","bedrock:GetCustomModel",
                 "bedrock:ListCustomModels","bedrock:DeleteCustomModel","bedrock:CreateProvisionedModelThroughput",
                 "bedrock:UpdateProvisionedModelThroughput","bedrock:GetProvisionedModelThroughput",
                 "bedrock:DeleteProvisionedModelThroughput","bedrock:ListProvisionedModelThroughputs",
                 "bedrock:ListTagsForResource","bedrock:UntagResource","bedrock:TagResource",
                 "bedrock:PutFoundationModelEntitlement","bedrock:GetModelInvocationLoggingConfiguration",
                 "bedrock:PutModelInvocationLoggingConfiguration","bedrock:CreateFoundationModelAgreement",
                 "bedrock:DeleteFoundationModelAgreement","bedrock:ListFoundationModelAgreementOffers",
                 "bedrock:GetUseCaseForModelAccess","bedrock:PutUseCaseForModelAccess"],"Resource":"*"}]}""");
        assertTrue(decide(console, "bedrock:InvokeModel", LLAMA).allowed());
        assertTrue(decide(console, "bedrock:PutModelInvocationLoggingConfiguration", "*").allowed());
        assertFalse(decide(console, "bedrock:DeleteModelInvocationLoggingConfiguration", "*").allowed(),
                "the guide's list does not have the Delete logging action");
        assertFalse(decide(console, "iam:GetUser", "*").allowed());
    }

    /** The guide's "view own permissions" policy: ${aws:username} in Resource scopes it to the caller. */
    @Test
    void guideViewOwnUserInfoUsesTheUsernameVariable() {
        PolicyDocument own = policy("""
                {"Version":"2012-10-17","Statement":[{"Sid":"ViewOwnUserInfo","Effect":"Allow","Action":[
                 "iam:GetUserPolicy","iam:ListGroupsForUser","iam:ListAttachedUserPolicies","iam:ListUserPolicies",
                 "iam:GetUser"],"Resource":["arn:aws:iam::*:user/${aws:username}"]},
                 {"Sid":"NavigateInConsole","Effect":"Allow","Action":["iam:GetGroupPolicy","iam:GetPolicyVersion",
                 "iam:GetPolicy","iam:ListAttachedGroupPolicies","iam:ListGroupPolicies","iam:ListPolicyVersions",
                 "iam:ListPolicies","iam:ListUsers"],"Resource":"*"}]}""");
        assertTrue(decide(own, "iam:GetUser", "arn:aws:iam::000000000000:user/alice").allowed());
        assertFalse(decide(own, "iam:GetUser", "arn:aws:iam::000000000000:user/bob").allowed());
        assertTrue(decide(own, "iam:ListUsers", "*").allowed());
    }

    /** The guide's Marketplace policy: ForAnyValue:StringEquals on the product id. */
    @Test
    void guideMarketplaceSubscriptionIsLimitedToTheBedrockProducts() {
        PolicyDocument marketplace = policy("""
                {"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["aws-marketplace:Subscribe"],
                 "Resource":"*","Condition":{"ForAnyValue:StringEquals":{"aws-marketplace:ProductId":[
                 "c468b48a-84df-43a4-8c46-8870630108a7","99d90be8-b43e-49b7-91e4-752f3866c8c7",
                 "b0eb9475-3a2c-43d1-94d3-56756fd43737","1d288c71-65f9-489a-a3e2-9c7f4f6e6a85",
                 "cc0bdd50-279a-40d8-829c-4009b77a1fcc","d0123e8d-50d6-4dba-8a26-3fed4899f388",
                 "a61c46fe-1747-41aa-9af0-2e0ae8a9ce05"]}}},
                 {"Effect":"Allow","Action":["aws-marketplace:Unsubscribe","aws-marketplace:ViewSubscriptions"],"Resource":"*"}]}""");
        RequestContext bedrockProduct = RequestContext.builder()
                .set("aws-marketplace:ProductId", "99d90be8-b43e-49b7-91e4-752f3866c8c7").build();
        RequestContext otherProduct = RequestContext.builder().set("aws-marketplace:ProductId", "other").build();
        assertTrue(decide(marketplace, "aws-marketplace:Subscribe", "*", bedrockProduct).allowed());
        assertFalse(decide(marketplace, "aws-marketplace:Subscribe", "*", otherProduct).allowed());
        assertFalse(decide(marketplace, "aws-marketplace:Subscribe", "*", RequestContext.empty()).allowed());
        assertTrue(decide(marketplace, "aws-marketplace:ViewSubscriptions", "*").allowed());
    }

    /** Allow one model family (issue's example; the guide's Resource ARN format with a wildcard model id). */
    @Test
    void allowOneModelFamily() {
        PolicyDocument anthropicOnly = policy("""
                {"Version":"2012-10-17","Statement":{"Sid":"AllowAnthropic","Effect":"Allow",
                 "Action":["bedrock:InvokeModel","bedrock:InvokeModelWithResponseStream"],
                 "Resource":"arn:aws:bedrock:*::foundation-model/anthropic.*"}}""");
        assertTrue(decide(anthropicOnly, "bedrock:InvokeModelWithResponseStream",
                "arn:aws:bedrock:us-east-1::foundation-model/anthropic.claude-v2").allowed());
        Decision denied = decide(anthropicOnly, "bedrock:InvokeModel", LLAMA);
        assertEquals(Decision.Outcome.IMPLICIT_DENY, denied.outcome());
        assertTrue(denied.message().endsWith("because no identity-based policy allows the bedrock:InvokeModel action"));
    }

    /** ABAC with the guide's tag keys: aws:RequestTag, aws:TagKeys on creation, aws:ResourceTag on use. */
    @Test
    void tagConditions() {
        PolicyDocument abac = policy("""
                {"Version":"2012-10-17","Statement":[
                 {"Sid":"CreateOnlyTaggedForMyTeam","Effect":"Allow","Action":["bedrock:CreateProvisionedModelThroughput","bedrock:TagResource"],
                  "Resource":"*","Condition":{"StringEquals":{"aws:RequestTag/team":"ml"},
                  "ForAllValues:StringEquals":{"aws:TagKeys":["team","project"]}}},
                 {"Sid":"UseOnlyMyTeams","Effect":"Allow","Action":["bedrock:GetProvisionedModelThroughput","bedrock:InvokeModel"],
                  "Resource":"arn:aws:bedrock:*:000000000000:provisioned-model/*",
                  "Condition":{"StringEquals":{"aws:ResourceTag/team":"ml"}}},
                 {"Sid":"NeverRemoveTeam","Effect":"Deny","Action":"bedrock:UntagResource","Resource":"*",
                  "Condition":{"ForAnyValue:StringEquals":{"aws:TagKeys":"team"}}}]}""");
        String pt = "arn:aws:bedrock:us-east-1:000000000000:provisioned-model/abcdefghijkl";
        String create = "arn:aws:bedrock:us-east-1:000000000000:provisioned-model/*";
        assertTrue(decide(abac, "bedrock:CreateProvisionedModelThroughput", create,
                RequestContext.builder().requestTag("team", "ml").requestTag("project", "x").build()).allowed());
        assertFalse(decide(abac, "bedrock:CreateProvisionedModelThroughput", create,
                RequestContext.builder().requestTag("team", "ops").build()).allowed(), "wrong team");
        assertFalse(decide(abac, "bedrock:CreateProvisionedModelThroughput", create,
                RequestContext.builder().requestTag("team", "ml").requestTag("cost", "1").build()).allowed(),
                "a tag key outside the allowed set");
        assertFalse(decide(abac, "bedrock:CreateProvisionedModelThroughput", create, RequestContext.empty())
                .allowed(), "untagged");
        assertTrue(decide(abac, "bedrock:InvokeModel", pt,
                RequestContext.builder().resourceTag("team", "ml").build()).allowed());
        assertFalse(decide(abac, "bedrock:InvokeModel", pt,
                RequestContext.builder().resourceTag("team", "ops").build()).allowed());
        Decision untag = decide(abac, "bedrock:UntagResource", pt, RequestContext.builder().tagKey("team").build());
        assertEquals(Decision.Outcome.EXPLICIT_DENY, untag.outcome());
        assertEquals("NeverRemoveTeam", untag.statementSid());
    }
}
