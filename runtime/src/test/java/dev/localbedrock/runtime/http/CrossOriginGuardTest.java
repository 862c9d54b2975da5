package dev.localbedrock.runtime.http;

import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpHeaders;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class CrossOriginGuardTest {
    private static HttpHeaders headers(String... nameValues) {
        HttpHeaders h = new DefaultHttpHeaders();
        for (int i = 0; i < nameValues.length; i += 2) {
            h.add(nameValues[i], nameValues[i + 1]);
        }
        return h;
    }

    @Test
    void sdkCallsAndTheConsolesOwnCallsPass() {
        assertNull(CrossOriginGuard.refusal(headers("Host", "127.0.0.1:8080")), "an SDK sends no Origin");
        assertNull(CrossOriginGuard.refusal(headers("Host", "127.0.0.1:8080", "Origin", "http://127.0.0.1:8080",
                "Sec-Fetch-Site", "same-origin")));
        assertNull(CrossOriginGuard.refusal(headers("Host", "bedrock.internal", "Origin", "https://bedrock.internal")));
        assertNull(CrossOriginGuard.refusal(headers("Host", "bedrock.internal:443", "Origin",
                "https://bedrock.internal")));
        assertNull(CrossOriginGuard.refusal(headers("Host", "x:1", "Sec-Fetch-Site", "none")), "typed in the bar");
    }

    @Test
    void anotherSitesRequestIsRefused() {
        String why = CrossOriginGuard.refusal(headers("Host", "127.0.0.1:8080", "Origin", "https://evil.example"));
        assertNotNull(why);
        assertTrue(why.contains("https://evil.example"), why);
        assertNotNull(CrossOriginGuard.refusal(headers("Host", "127.0.0.1:8080", "Origin", "http://127.0.0.1:9090")));
        assertNotNull(CrossOriginGuard.refusal(headers("Host", "127.0.0.1:8080", "Origin", "null")), "a sandboxed page");
        assertNotNull(CrossOriginGuard.refusal(headers("Host", "127.0.0.1:8080", "Sec-Fetch-Site", "cross-site")));
        assertNotNull(CrossOriginGuard.refusal(headers("Host", "127.0.0.1:8080", "Origin", "http://127.0.0.1:8080",
                "Sec-Fetch-Site", "same-site")), "a sibling subdomain is another origin");
        assertNotNull(CrossOriginGuard.refusal(headers("Origin", "http://127.0.0.1:8080")), "no Host to compare");
        assertNotNull(CrossOriginGuard.refusal(headers("Host", "a:1", "Origin", "ftp://a:1")));
    }
}
