package dev.localbedrock.runtime.iam;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class PolicyDocumentTest {
    private static String error(String json) {
        return assertThrows(PolicyValidationException.class, () -> PolicyDocument.parse(json)).getMessage();
    }

    @Test
    void statementMayBeAnObjectOrAListAndElementsStringsOrLists() throws Exception {
        PolicyDocument single = PolicyDocument.parse("""
                {"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"bedrock:InvokeModel","Resource":"*"}}""");
        assertEquals(1, single.statements().size());
        assertEquals(List.of("bedrock:InvokeModel"), single.statements().get(0).actions());
        assertNull(single.statements().get(0).sid());
        PolicyDocument list = PolicyDocument.parse("""
                {"Version":"2012-10-17","Statement":[
                  {"Sid":"A","Effect":"Allow","NotAction":["iam:*","sts:*"],"NotResource":["arn:aws:iam::*:*"]},
                  {"Sid":"B","Effect":"Deny","Action":"*","Resource":"*","Condition":{"Bool":{"aws:SecureTransport":false}}}]}""");
        assertEquals(List.of("iam:*", "sts:*"), list.statements().get(0).notActions());
        assertEquals(List.of("false"), list.statements().get(1).conditions().get(0).values());
        assertEquals(java.util.Set.of("aws:securetransport"), list.conditionKeys());
    }

    @Test
    void missingVersionMeansTheOldLanguageWithoutVariables() throws Exception {
        PolicyDocument old = PolicyDocument.parse("""
                {"Statement":{"Effect":"Allow","Action":"iam:GetUser","Resource":"arn:aws:iam::*:user/${aws:username}"}}""");
        assertEquals(PolicyDocument.VERSION_2008, old.version());
        Decision decision = new Authorizer().authorize(new Principal("arn:aws:iam::000000000000:user/alice"),
                List.of(old), "iam:GetUser", "arn:aws:iam::000000000000:user/alice", RequestContext.empty());
        assertEquals(Decision.Outcome.IMPLICIT_DENY, decision.outcome(), "2008-10-17 has no policy variables");
    }

    @Test
    void clearErrorsForWhatIamRefuses() {
        assertTrue(error("{\"Version\":\"2012-10-17\",\"Statement\":{\"Effect\":\"Permit\",\"Action\":\"bedrock:*\","
                + "\"Resource\":\"*\"}}").startsWith("Invalid effect: Permit"));
        assertTrue(error("{\"Version\":\"2012-10-17\",\"Statement\":{\"Effect\":\"Allow\",\"Resource\":\"*\"}}")
                .startsWith("Policy statement must contain actions"));
        assertTrue(error("{\"Version\":\"2012-10-17\",\"Statement\":{\"Effect\":\"Allow\",\"Action\":\"bedrock:*\"}}")
                .startsWith("Policy statement must contain resources"));
        assertTrue(error("{\"Statement\":{\"Effect\":\"Allow\",\"Action\":\"bedrock:*\",\"NotAction\":\"iam:*\","
                + "\"Resource\":\"*\"}}").contains("both Action and NotAction"));
        assertTrue(error("{\"Statement\":{\"Effect\":\"Allow\",\"Action\":\"InvokeModel\",\"Resource\":\"*\"}}")
                .startsWith("Actions/Conditions must be prefaced by a vendor"));
        assertTrue(error("{\"Statement\":{\"Effect\":\"Allow\",\"Action\":\"bed*:InvokeModel\",\"Resource\":\"*\"}}")
                .startsWith("Action vendors must not contain wildcards"));
        assertTrue(error("{\"Statement\":{\"Effect\":\"Allow\",\"Action\":\"bedrock:*\",\"Resource\":\"model-1\"}}")
                .startsWith("Resource model-1 must be in ARN format"));
        String operator = error("{\"Statement\":{\"Effect\":\"Allow\",\"Action\":\"bedrock:*\",\"Resource\":\"*\","
                + "\"Condition\":{\"StringEqualz\":{\"aws:username\":\"a\"}}}}");
        assertTrue(operator.startsWith("Invalid Condition operator: StringEqualz"), operator);
        assertTrue(error("{\"Statement\":{\"Effect\":\"Allow\",\"Action\":\"bedrock:*\",\"Resource\":\"*\","
                + "\"Condition\":{\"IpAddress\":{\"aws:SourceIp\":\"10.0.0.0/33\"}}}}")
                .contains("is not an IP address or CIDR block"));
        assertTrue(error("{\"Statement\":{\"Effect\":\"Allow\",\"Action\":\"bedrock:*\",\"Resource\":\"*\","
                + "\"Condition\":{\"DateLessThan\":{\"aws:CurrentTime\":\"tomorrow\"}}}}").contains("is not a date"));
        assertTrue(error("{\"Statement\":{\"Effect\":\"Allow\",\"Action\":\"bedrock:*\",\"Resource\":\"*\","
                + "\"Condition\":{\"NumericLessThan\":{\"bedrock:x\":\"ten\"}}}}").contains("is not a number"));
        assertTrue(error("{\"Statement\":{\"Effect\":\"Allow\",\"Action\":\"bedrock:*\",\"Resource\":\"*\","
                + "\"Condition\":{\"ForAnyValue:Null\":{\"aws:TagKeys\":\"true\"}}}}")
                .startsWith("Invalid Condition operator: ForAnyValue:Null"));
        assertTrue(error("{\"Statement\":{\"Effect\":\"Allow\",\"Principal\":\"*\",\"Action\":\"bedrock:*\","
                + "\"Resource\":\"*\"}}").startsWith("Policy document should not specify a principal"));
        assertTrue(error("{\"Statement\":[{\"Sid\":\"X\",\"Effect\":\"Allow\",\"Action\":\"bedrock:*\",\"Resource\":\"*\"},"
                + "{\"Sid\":\"X\",\"Effect\":\"Deny\",\"Action\":\"bedrock:*\",\"Resource\":\"*\"}]}")
                .startsWith("Statement IDs (SID) in a single policy must be unique"));
        assertTrue(error("{\"Version\":\"2020-01-01\",\"Statement\":[]}").startsWith("The policy has an invalid Version"));
        assertTrue(error("{\"Statement\":[]}").contains("Statement is empty"));
        assertTrue(error("not json").startsWith("Syntax errors in policy"));
        assertTrue(error("{\"Statement\":{\"Effect\":\"Allow\",\"Action\":\"bedrock:*\",\"Resource\":\"*\",\"Extra\":1}}")
                .contains("unknown element Extra"));
    }

    @Test
    void errorsNameTheStatement() {
        String message = error("{\"Statement\":[{\"Effect\":\"Allow\",\"Action\":\"bedrock:*\",\"Resource\":\"*\"},"
                + "{\"Sid\":\"Second\",\"Effect\":\"allow\",\"Action\":\"bedrock:*\",\"Resource\":\"*\"}]}");
        assertEquals("Invalid effect: allow in statement 2 (Sid Second) (Allow or Deny)", message);
    }
}
