package dev.localbedrock.image;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * HTTP to the server inside its network namespace: Python's urllib run under {@code nsenter --net} into the
 * server's namespace, since a JVM thread cannot enter another network namespace. Each request is bounded.
 */
final class Client {

    private static final String PYTHON = """
            import sys, urllib.request, urllib.error
            url, body = sys.argv[1], sys.argv[2] if len(sys.argv) > 2 else None
            req = urllib.request.Request(url, data=body.encode() if body else None,
                                         headers={"Content-Type": "application/json"})
            try:
                with urllib.request.urlopen(req, timeout=120) as r:
                    sys.stdout.write(str(r.status) + "\\n" + r.read().decode())
            except urllib.error.HTTPError as e:
                sys.stdout.write(str(e.code) + "\\n" + e.read().decode())
            except OSError as e:
                sys.stdout.write("000\\n" + str(e))
            """;

    private final String nsenter;
    private final long pid;
    private final int port;

    Client(String nsenter, long pid, int port) {
        this.nsenter = nsenter;
        this.pid = pid;
        this.port = port;
    }

    /** Polls GET /ping until it answers (up to 3 minutes: the first start builds the ONNX graph); its status. */
    String awaitPing(Process server, Path log) throws IOException, InterruptedException {
        String[] reply = {"000", ""};
        for (int i = 0; i < 360 && server.isAlive(); i++) {
            reply = request("/ping", null);
            if (reply[0].equals("200")) {
                return reply[0];
            }
            Thread.sleep(500);
        }
        throw new AssertionError("no 200 from /ping (last: " + String.join(" ", reply) + "; alive: "
                + server.isAlive() + "):\n" + ImageEntrypointIT.log(log));
    }

    String post(String path, String body) throws IOException, InterruptedException {
        String[] reply = request(path, body);
        if (!reply[0].equals("200")) {
            throw new AssertionError("POST " + path + ": " + String.join(" ", reply));
        }
        return reply[1];
    }

    private String[] request(String path, String body) throws IOException, InterruptedException {
        List<String> command = new java.util.ArrayList<>(List.of(nsenter, "--net=/proc/" + pid + "/ns/net",
                "python3", "-c", PYTHON, "http://127.0.0.1:" + port + path));
        if (body != null) {
            command.add(body);
        }
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        if (!p.waitFor(150, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IOException("request " + path + " did not finish");
        }
        int nl = out.indexOf('\n');
        return nl < 0 ? new String[] {"000", out} : new String[] {out.substring(0, nl), out.substring(nl + 1)};
    }
}
