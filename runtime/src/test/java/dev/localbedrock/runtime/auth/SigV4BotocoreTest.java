package dev.localbedrock.runtime.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.localbedrock.codecs.BedrockErrorType;
import dev.localbedrock.codecs.BedrockException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The verifier against a second, independent signer: Python's botocore (what boto3 and the AWS CLI sign with),
 * header-signed and presigned. Skipped only where python3 with botocore is absent (test.sh installs it).
 */
class SigV4BotocoreTest {
    private static final String SCRIPT = """
            import json, sys
            from botocore.auth import SigV4Auth, SigV4QueryAuth
            from botocore.awsrequest import AWSRequest
            from botocore.credentials import Credentials
            out = []
            for case in json.load(sys.stdin):
                creds = Credentials(case['key'], case['secret'], case.get('token'))
                body = bytes.fromhex(case['body'])
                req = AWSRequest(method=case['method'], url=case['url'], data=body, headers=case['headers'])
                if case['presign']:
                    SigV4QueryAuth(creds, 'bedrock', case['region'], expires=300).add_auth(req)
                else:
                    SigV4Auth(creds, 'bedrock', case['region']).add_auth(req)
                out.append({'method': req.method, 'url': req.url, 'headers': dict(req.headers.items()),
                            'body': body.hex()})
            json.dump(out, sys.stdout)
            """;
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    @Test
    void requestsSignedByBotocoreVerify() throws Exception {
        assumeTrue(botocorePresent(), "python3 with botocore is not installed");
        Map<String, SigningCredential> store = Map.of(SigV4VerifierTest.ALICE.accessKeyId(),
                SigV4VerifierTest.ALICE, "ASIABOTO00000000000", new SigningCredential("ASIABOTO00000000000",
                        "boto-secret", "arn:aws:sts::000000000000:assumed-role/R/boto", "boto-token==", null, true));
        SigV4Verifier verifier = new SigV4Verifier(id -> Optional.ofNullable(store.get(id)), Clock.systemUTC(),
                Duration.ofMinutes(15));

        String[] paths = {"/model/anthropic.claude-3-haiku-20240307-v1%3A0/invoke",
                "/model/arn%3Aaws%3Abedrock%3Aus-east-1%3A%3Afoundation-model%2Fmeta.llama3-8b-instruct-v1%3A0/converse",
                "/model/tiny%20llama%20100%25/invoke-with-response-stream", "/foundation-models"};
        String[] queries = {"", "?z=1&a=2&a=1", "?byProvider=Meta&maxResults=10", "?next%20token=a%3Ab%2Fc"};
        List<Map<String, Object>> cases = new java.util.ArrayList<>();
        int n = 0;
        for (String path : paths) {
            for (String query : queries) {
                boolean temp = n % 3 == 0;
                boolean presign = n % 4 == 1;
                byte[] body = presign ? new byte[0] : ("{\"n\":" + n + ",\"bin\":\"\u00e9\"}")
                        .getBytes(StandardCharsets.UTF_8);
                Map<String, Object> c = new LinkedHashMap<>();
                c.put("key", temp ? "ASIABOTO00000000000" : SigV4VerifierTest.ALICE.accessKeyId());
                c.put("secret", temp ? "boto-secret" : SigV4VerifierTest.ALICE.secretAccessKey());
                if (temp) {
                    c.put("token", "boto-token==");
                }
                c.put("method", presign ? "GET" : "POST");
                c.put("url", "http://localhost:8080" + path + query);
                c.put("headers", Map.of("Content-Type", "application/json", "X-Amzn-Bedrock-Trace", "  A   b  "));
                c.put("body", HexFormat.of().formatHex(body));
                c.put("region", n % 2 == 0 ? "us-east-1" : "eu-central-1");
                c.put("presign", presign);
                cases.add(c);
                n++;
            }
        }
        JsonNode signed = runBotocore(JSON.writeValueAsString(cases));
        assertEquals(cases.size(), signed.size());
        for (int i = 0; i < signed.size(); i++) {
            SignedRequest request = received(signed.get(i));
            VerifiedCaller caller = verifier.verify(request);
            assertEquals(cases.get(i).get("key"), caller.accessKeyId(), request.toString());
            assertEquals(cases.get(i).get("region"), caller.region());
            SignedRequest tampered = new SignedRequest(request.method(), request.target().replace("/model/",
                    "/model/x"), request.headers(), request.body());
            if (!tampered.target().equals(request.target())) {
                BedrockException e = assertThrows(BedrockException.class, () -> verifier.verify(tampered));
                assertEquals(BedrockErrorType.INVALID_SIGNATURE, e.type());
            }
        }
    }

    /** What the server receives from botocore's request: the URL's target, its headers plus Host, its body. */
    private static SignedRequest received(JsonNode r) {
        String url = r.get("url").asText();
        String afterScheme = url.substring(url.indexOf("://") + 3);
        int slash = afterScheme.indexOf('/');
        Map<String, List<String>> headers = new LinkedHashMap<>();
        r.get("headers").fields().forEachRemaining(e -> headers.put(e.getKey(), List.of(e.getValue().asText())));
        headers.put("Host", List.of(afterScheme.substring(0, slash)));
        return new SignedRequest(r.get("method").asText(), afterScheme.substring(slash), headers,
                HexFormat.of().parseHex(r.get("body").asText()));
    }

    private JsonNode runBotocore(String input) throws IOException, InterruptedException {
        Path script = dir.resolve("sign.py");
        Files.writeString(script, SCRIPT);
        Process process = new ProcessBuilder("python3", script.toString()).redirectErrorStream(false).start();
        process.getOutputStream().write(input.getBytes(StandardCharsets.UTF_8));
        process.getOutputStream().close();
        byte[] out = process.getInputStream().readAllBytes();
        String err = new String(process.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(true, process.waitFor(60, TimeUnit.SECONDS), "botocore did not finish");
        assertEquals(0, process.exitValue(), err);
        return JSON.readTree(out);
    }

    private static boolean botocorePresent() {
        try {
            Process p = new ProcessBuilder("python3", "-c", "import botocore.auth").redirectErrorStream(true).start();
            p.getInputStream().readAllBytes();
            return p.waitFor(30, TimeUnit.SECONDS) && p.exitValue() == 0;
        } catch (IOException | InterruptedException e) {
            return false;
        }
    }
}
