package dev.localbedrock.runtime.robustness;

import dev.localbedrock.runtime.BedrockService;
import dev.localbedrock.runtime.catalog.CatalogLoader;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

/**
 * A body over {@code max_body_bytes}, on the wire, as clients the JDK's own client cannot stand in for: the server
 * answers at once with the AWS ValidationException, over h2c (while the upload is still under way; the stream is
 * then reset and the connection serves on) and over HTTP/1.1 with {@code Expect: 100-continue} (before any body byte;
 * the connection is then closed). The limit is above HTTP/2's initial 64 KiB window, so the upload needs the
 * server's window updates to reach it.
 */
class OversizedBodyWireTest {
    private static final int MAX_BODY_BYTES = 200_000;
    private static final int READ_TIMEOUT_MILLIS = 30_000;
    private static final String VALID = "{\"prompt\":\"Hello\",\"temperature\":0,\"max_gen_len\":2}";

    @TempDir
    static Path workDir;
    static BedrockService service;
    static int port;

    @BeforeAll
    static void start() throws Exception {
        service = BedrockService.start(CatalogLoader.load(RobustnessServers.catalogue(workDir, "pytorch",
                "max_body_bytes: " + MAX_BODY_BYTES, "", false)));
        port = service.address().getPort();
    }

    @AfterAll
    static void stop() {
        if (service != null) {
            service.close();
        }
    }

    private static byte[] overLimit() {
        byte[] body = new byte[MAX_BODY_BYTES + 1000];
        Arrays.fill(body, (byte) 'x');
        byte[] head = "{\"prompt\":\"".getBytes(StandardCharsets.US_ASCII);
        System.arraycopy(head, 0, body, 0, head.length);
        body[body.length - 2] = '"';
        body[body.length - 1] = '}';
        return body;
    }

    @Test
    void h2cGetsTheValidationExceptionAndTheConnectionServesOn() throws Exception {
        try (RawH2 h2 = RawH2.open(port, READ_TIMEOUT_MILLIS)) {
            RawH2.Answer refused = h2.exchange("POST", RobustnessServers.INVOKE, "application/json", null, overLimit());
            assertEquals(400, refused.status());
            assertEquals("ValidationException", refused.errorType());
            assertEquals("application/json", refused.headers().get("content-type"));
            RawH2.Answer next = h2.exchange("POST", RobustnessServers.INVOKE, "application/json", null,
                    VALID.getBytes(StandardCharsets.UTF_8));
            assertEquals(200, next.status(), new String(next.body(), StandardCharsets.UTF_8));
        }
    }

    @Test
    void expectContinueOverHttp1GetsTheValidationExceptionBeforeTheBody() throws Exception {
        try (Socket socket = RawHttp.connect(port)) {
            socket.setSoTimeout(READ_TIMEOUT_MILLIS);
            OutputStream out = socket.getOutputStream();
            out.write(("POST " + RobustnessServers.INVOKE + " HTTP/1.1\r\nHost: localhost\r\n"
                    + "Content-Type: application/json\r\nExpect: 100-continue\r\nContent-Length: " + overLimit().length
                    + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            out.flush();
            // readAllBytes ends only when the server closes: the answer comes, then the close, with no body sent.
            RawHttp.Reply reply = RawHttp.read(socket.getInputStream());
            assertEquals(400, reply.status());
            assertEquals("ValidationException", reply.errorType());
            assertEquals("close", reply.headers().get("connection"));
            assertFalse(reply.text().isEmpty());
        }
        assertEquals(200, RawHttp.post(port, RobustnessServers.INVOKE, "application/json",
                VALID.getBytes(StandardCharsets.UTF_8)).status());
    }
}
