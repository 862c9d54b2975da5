package dev.localbedrock.runtime.iam;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Each operator family, the set qualifiers, IfExists and Null: one Allow statement guarded by the condition. */
class ConditionTest {
    private static final Principal ALICE = new Principal("arn:aws:iam::000000000000:user/alice");

    private static boolean allows(String condition, RequestContext context) {
        try {
            PolicyDocument policy = PolicyDocument.parse("{\"Version\":\"2012-10-17\",\"Statement\":{\"Effect\":"
                    + "\"Allow\",\"Action\":\"bedrock:InvokeModel\",\"Resource\":\"*\",\"Condition\":" + condition
                    + "}}");
            return new Authorizer().authorize(ALICE, List.of(policy), "bedrock:InvokeModel", "*", context)
                    .allowed();
        } catch (PolicyValidationException e) {
            throw new AssertionError(e);
        }
    }

    private static RequestContext ctx(String key, String... values) {
        return RequestContext.builder().set(key, values).build();
    }

    @Test
    void strings() {
        assertTrue(allows("{\"StringEquals\":{\"aws:RequestTag/team\":\"ml\"}}", ctx("aws:RequestTag/team", "ml")));
        assertFalse(allows("{\"StringEquals\":{\"aws:RequestTag/team\":\"ml\"}}", ctx("aws:RequestTag/team", "ML")));
        assertTrue(allows("{\"StringEquals\":{\"AWS:REQUESTTAG/TEAM\":\"ml\"}}", ctx("aws:RequestTag/team", "ml")),
                "condition key names are case-insensitive");
        assertTrue(allows("{\"StringEqualsIgnoreCase\":{\"aws:RequestTag/team\":\"ml\"}}",
                ctx("aws:RequestTag/team", "ML")));
        assertTrue(allows("{\"StringEquals\":{\"aws:RequestTag/team\":[\"a\",\"ml\"]}}",
                ctx("aws:RequestTag/team", "ml")), "policy values are ORed");
        assertFalse(allows("{\"StringNotEquals\":{\"aws:RequestTag/team\":[\"a\",\"ml\"]}}",
                ctx("aws:RequestTag/team", "ml")));
        assertTrue(allows("{\"StringNotEqualsIgnoreCase\":{\"aws:RequestTag/team\":\"ml\"}}",
                ctx("aws:RequestTag/team", "ops")));
        assertTrue(allows("{\"StringLike\":{\"aws:RequestTag/team\":\"m?-*\"}}", ctx("aws:RequestTag/team", "ml-x")));
        assertFalse(allows("{\"StringLike\":{\"aws:RequestTag/team\":\"m?-*\"}}", ctx("aws:RequestTag/team", "m-x")));
        assertTrue(allows("{\"StringNotLike\":{\"aws:RequestTag/team\":\"m*\"}}", ctx("aws:RequestTag/team", "ops")));
    }

    @Test
    void absentKeys() {
        RequestContext none = RequestContext.empty();
        assertFalse(allows("{\"StringEquals\":{\"aws:RequestTag/team\":\"ml\"}}", none));
        assertTrue(allows("{\"StringNotEquals\":{\"aws:RequestTag/team\":\"ml\"}}", none),
                "a negated operator holds for an absent key");
        assertTrue(allows("{\"StringEqualsIfExists\":{\"aws:RequestTag/team\":\"ml\"}}", none));
        assertFalse(allows("{\"StringEqualsIfExists\":{\"aws:RequestTag/team\":\"ml\"}}",
                ctx("aws:RequestTag/team", "ops")), "IfExists still tests a present key");
        assertTrue(allows("{\"Null\":{\"aws:RequestTag/team\":\"true\"}}", none));
        assertFalse(allows("{\"Null\":{\"aws:RequestTag/team\":\"true\"}}", ctx("aws:RequestTag/team", "ml")));
        assertTrue(allows("{\"Null\":{\"aws:RequestTag/team\":false}}", ctx("aws:RequestTag/team", "ml")));
    }

    @Test
    void setQualifiers() {
        RequestContext two = ctx("aws:TagKeys", "team", "project");
        assertTrue(allows("{\"ForAllValues:StringEquals\":{\"aws:TagKeys\":[\"team\",\"project\",\"cost\"]}}", two));
        assertFalse(allows("{\"ForAllValues:StringEquals\":{\"aws:TagKeys\":[\"team\"]}}", two));
        assertTrue(allows("{\"ForAllValues:StringEquals\":{\"aws:TagKeys\":[\"team\"]}}", RequestContext.empty()),
                "ForAllValues holds for an absent key, as IAM warns");
        assertTrue(allows("{\"ForAnyValue:StringEquals\":{\"aws:TagKeys\":[\"team\"]}}", two));
        assertFalse(allows("{\"ForAnyValue:StringEquals\":{\"aws:TagKeys\":[\"cost\"]}}", two));
        assertFalse(allows("{\"ForAnyValue:StringEquals\":{\"aws:TagKeys\":[\"team\"]}}", RequestContext.empty()));
        assertTrue(allows("{\"ForAnyValue:StringNotEquals\":{\"aws:TagKeys\":[\"team\"]}}", two),
                "project is a value not equal to team");
        assertFalse(allows("{\"ForAllValues:StringNotEquals\":{\"aws:TagKeys\":[\"team\"]}}", two));
        assertTrue(allows("{\"ForAllValues:StringLike\":{\"aws:TagKeys\":[\"t*\",\"p*\"]}}", two));
    }

    @Test
    void conditionsAndKeysAreAnded() {
        RequestContext both = RequestContext.builder().requestTag("team", "ml").secureTransport(true).build();
        String condition = "{\"StringEquals\":{\"aws:RequestTag/team\":\"ml\"},\"Bool\":{\"aws:SecureTransport\":\"true\"}}";
        assertTrue(allows(condition, both));
        assertFalse(allows(condition, RequestContext.builder().requestTag("team", "ml").secureTransport(false).build()));
        assertFalse(allows("{\"StringEquals\":{\"aws:RequestTag/team\":\"ml\",\"aws:RequestTag/env\":\"prod\"}}", both));
    }

    @Test
    void numbersAndBooleans() {
        RequestContext n = ctx("bedrock:count", "10");
        assertTrue(allows("{\"NumericEquals\":{\"bedrock:count\":\"10.0\"}}", n));
        assertTrue(allows("{\"NumericNotEquals\":{\"bedrock:count\":\"11\"}}", n));
        assertTrue(allows("{\"NumericLessThan\":{\"bedrock:count\":11}}", n));
        assertFalse(allows("{\"NumericLessThan\":{\"bedrock:count\":10}}", n));
        assertTrue(allows("{\"NumericLessThanEquals\":{\"bedrock:count\":10}}", n));
        assertTrue(allows("{\"NumericGreaterThan\":{\"bedrock:count\":9}}", n));
        assertTrue(allows("{\"NumericGreaterThanEquals\":{\"bedrock:count\":10}}", n));
        assertFalse(allows("{\"NumericGreaterThanEquals\":{\"bedrock:count\":10}}", ctx("bedrock:count", "abc")),
                "an unparsable request value matches nothing");
        assertTrue(allows("{\"Bool\":{\"aws:SecureTransport\":\"true\"}}",
                RequestContext.builder().secureTransport(true).build()));
        assertFalse(allows("{\"Bool\":{\"aws:SecureTransport\":\"true\"}}", RequestContext.empty()));
    }

    @Test
    void dates() {
        RequestContext now = RequestContext.builder().currentTime(Instant.parse("2024-06-01T12:00:00Z")).build();
        assertTrue(allows("{\"DateLessThan\":{\"aws:CurrentTime\":\"2024-12-31T23:59:59Z\"}}", now));
        assertFalse(allows("{\"DateGreaterThan\":{\"aws:CurrentTime\":\"2024-12-31T23:59:59Z\"}}", now));
        assertTrue(allows("{\"DateGreaterThanEquals\":{\"aws:CurrentTime\":\"2024-06-01\"}}", now));
        assertTrue(allows("{\"DateEquals\":{\"aws:CurrentTime\":\"2024-06-01T14:00:00+02:00\"}}", now));
        assertTrue(allows("{\"DateNotEquals\":{\"aws:CurrentTime\":\"2024-06-01\"}}", now));
        assertTrue(allows("{\"DateLessThanEquals\":{\"aws:EpochTime\":\"1717243200\"}}", now));
        assertFalse(allows("{\"DateLessThan\":{\"aws:EpochTime\":\"1717243200\"}}", now));
    }

    @Test
    void ipAddresses() {
        assertTrue(allows("{\"IpAddress\":{\"aws:SourceIp\":\"203.0.113.0/24\"}}", ctx("aws:SourceIp", "203.0.113.7")));
        assertFalse(allows("{\"IpAddress\":{\"aws:SourceIp\":\"203.0.113.0/24\"}}", ctx("aws:SourceIp", "203.0.114.7")));
        assertTrue(allows("{\"IpAddress\":{\"aws:SourceIp\":\"10.1.2.3\"}}", ctx("aws:SourceIp", "10.1.2.3")));
        assertTrue(allows("{\"IpAddress\":{\"aws:SourceIp\":\"10.0.0.0/9\"}}", ctx("aws:SourceIp", "10.127.255.255")));
        assertFalse(allows("{\"IpAddress\":{\"aws:SourceIp\":\"10.0.0.0/9\"}}", ctx("aws:SourceIp", "10.128.0.0")));
        assertTrue(allows("{\"IpAddress\":{\"aws:SourceIp\":\"2001:db8::/32\"}}", ctx("aws:SourceIp", "2001:db8:1::5")));
        assertFalse(allows("{\"IpAddress\":{\"aws:SourceIp\":\"2001:db8::/32\"}}", ctx("aws:SourceIp", "2001:db9::5")));
        assertFalse(allows("{\"IpAddress\":{\"aws:SourceIp\":\"2001:db8::/32\"}}", ctx("aws:SourceIp", "10.0.0.1")));
        assertTrue(allows("{\"NotIpAddress\":{\"aws:SourceIp\":[\"10.0.0.0/8\",\"192.168.0.0/16\"]}}",
                ctx("aws:SourceIp", "172.16.0.1")));
        assertFalse(allows("{\"IpAddress\":{\"aws:SourceIp\":\"10.0.0.0/8\"}}", ctx("aws:SourceIp", "localhost")),
                "a host name is not an address (and is never resolved)");
    }

    @Test
    void arns() {
        RequestContext arn = ctx("aws:SourceArn", "arn:aws:bedrock:us-east-1:111122223333:model-customization-job/abc");
        assertTrue(allows("{\"ArnLike\":{\"aws:SourceArn\":\"arn:aws:bedrock:*:111122223333:model-customization-job/*\"}}", arn));
        assertTrue(allows("{\"ArnEquals\":{\"aws:SourceArn\":\"arn:aws:bedrock:us-east-1:111122223333:model-customization-job/*\"}}", arn));
        assertFalse(allows("{\"ArnLike\":{\"aws:SourceArn\":\"arn:aws:bedrock:*:999999999999:*\"}}", arn));
        assertTrue(allows("{\"ArnNotLike\":{\"aws:SourceArn\":\"arn:aws:bedrock:*:999999999999:*\"}}", arn));
        assertFalse(allows("{\"ArnNotEquals\":{\"aws:SourceArn\":\"arn:aws:bedrock:*:111122223333:*\"}}", arn));
        assertFalse(allows("{\"ArnLike\":{\"aws:SourceArn\":\"arn:aws:bedrock:us-east-1*\"}}", arn),
                "a wildcard does not run across the parts of an ARN");
    }

    @Test
    void policyVariables() {
        assertTrue(allows("{\"StringEquals\":{\"aws:RequestTag/owner\":\"${aws:username}\"}}",
                RequestContext.builder().requestTag("owner", "alice").build()));
        assertFalse(allows("{\"StringEquals\":{\"aws:RequestTag/owner\":\"${aws:username}\"}}",
                RequestContext.builder().requestTag("owner", "bob").build()));
        assertTrue(allows("{\"StringEquals\":{\"aws:RequestTag/owner\":\"${bedrock:missing, 'nobody'}\"}}",
                RequestContext.builder().requestTag("owner", "nobody").build()));
        assertFalse(allows("{\"StringLike\":{\"aws:RequestTag/owner\":\"${bedrock:missing}\"}}",
                RequestContext.builder().requestTag("owner", "x").build()), "an unset variable matches nothing");
    }
}
