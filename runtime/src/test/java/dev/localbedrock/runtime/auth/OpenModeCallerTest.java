package dev.localbedrock.runtime.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class OpenModeCallerTest {
    private final OpenModeCaller open = new OpenModeCaller("123456789012");

    private static SignedRequest request(String target, Map<String, List<String>> headers) {
        return new SignedRequest("POST", target, headers, new byte[0]);
    }

    @Test
    void namesTheClaimedKeyFromTheAuthorizationHeaderWithoutVerifying() {
        VerifiedCaller caller = open.identify(request("/model/m/invoke", Map.of("authorization", List.of(
                "AWS4-HMAC-SHA256 Credential=AKIAEXAMPLE/20250314/us-west-2/bedrock/aws4_request, "
                        + "SignedHeaders=host, Signature=deadbeef"))));
        assertEquals("AKIAEXAMPLE", caller.accessKeyId());
        assertEquals("arn:aws:iam::123456789012:user/AKIAEXAMPLE", caller.principalArn());
        assertEquals("us-west-2", caller.region());
        assertEquals("bedrock", caller.service());
        assertFalse(caller.temporary());
        assertFalse(caller.anonymous());
    }

    @Test
    void namesTheClaimedKeyOfAPresignedQuery() {
        VerifiedCaller caller = open.identify(request("/foundation-models?X-Amz-Algorithm=AWS4-HMAC-SHA256"
                + "&X-Amz-Credential=ASIAQUERY%2F20250314%2Feu-west-1%2Fbedrock%2Faws4_request"
                + "&X-Amz-Security-Token=tok&X-Amz-Signature=00", Map.of()));
        assertEquals("ASIAQUERY", caller.accessKeyId());
        assertEquals("eu-west-1", caller.region());
        assertTrue(caller.temporary());
    }

    @Test
    void noClaimOrAnUnusableOneIsAnonymous() {
        VerifiedCaller none = open.identify(request("/model/m/invoke", Map.of()));
        assertTrue(none.anonymous());
        assertEquals(VerifiedCaller.ANONYMOUS_PRINCIPAL, none.principalArn());
        assertNull(none.region());
        assertTrue(open.identify(request("/", Map.of("Authorization", List.of("Bearer abc")))).anonymous());
        assertTrue(open.identify(request("/", Map.of("Authorization", List.of(
                "AWS4-HMAC-SHA256 Credential=a:b\nforged/x/y/z/aws4_request")))).anonymous());
    }
}
