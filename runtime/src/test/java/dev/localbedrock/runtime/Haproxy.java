package dev.localbedrock.runtime;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Debian's HAProxy (test.sh installs the package) in front of server replicas on loopback, run with the project's one
 * balancer configuration, deploy/haproxy/haproxy.cfg (docs/deploy.md), as an operator would run it: round robin,
 * readiness from each replica's {@code GET /ping} every 500 ms, layer-7 retries redispatched to another replica, and
 * streamed responses forwarded frame by frame. This only adds the listening address and one {@code server} line per
 * replica. Runs in the foreground, so closing the test's handle stops it.
 */
final class Haproxy implements AutoCloseable {
    private static final Path BINARY = Path.of("/usr/sbin/haproxy");
    /** The configuration benchmarks/scripts/replicas.sh runs too (relative to the runtime module). */
    private static final Path CONFIG = Path.of("..", "deploy", "haproxy", "haproxy.cfg");

    private final Process process;
    private final int port;
    private final Path log;

    private Haproxy(Process process, int port, Path log) {
        this.process = process;
        this.port = port;
        this.log = log;
    }

    static Haproxy start(Path dir, List<Integer> replicaPorts) throws Exception {
        if (!Files.isExecutable(BINARY)) {
            throw new IllegalStateException(BINARY + " is missing: install Debian's haproxy (test.sh does)");
        }
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        StringBuilder config = new StringBuilder(Files.readString(CONFIG));
        for (int i = 0; i < replicaPorts.size(); i++) {
            config.append("    server replica").append(i).append(" 127.0.0.1:").append(replicaPorts.get(i))
                    .append(" check\n");
        }
        Path file = dir.resolve("haproxy.cfg");
        Files.writeString(file, config);
        Path log = dir.resolve("haproxy.log");
        ProcessBuilder pb = new ProcessBuilder(BINARY.toString(), "-db", "-f", file.toString())
                .redirectErrorStream(true).redirectOutput(log.toFile());
        pb.environment().put("LOCAL_BEDROCK_LB_BIND", "127.0.0.1:" + port);
        Process process = pb.start();
        Haproxy haproxy = new Haproxy(process, port, log);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (true) {
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress("127.0.0.1", port), 500);
            } catch (IOException notYet) {
                if (!process.isAlive() || System.nanoTime() > deadline) {
                    haproxy.close();
                    throw new IllegalStateException("haproxy did not start:\n" + Files.readString(log));
                }
                Thread.sleep(100);
                continue;
            }
            // Listening is not serving: a replica counts once its first readiness checks pass.
            if (haproxy.ready()) {
                return haproxy;
            }
            if (!process.isAlive() || System.nanoTime() > deadline) {
                haproxy.close();
                throw new IllegalStateException("no replica became ready behind haproxy:\n" + Files.readString(log));
            }
            Thread.sleep(100);
        }
    }

    /** Whether a {@code GET /ping} through the balancer reaches a ready replica. */
    private boolean ready() {
        try {
            java.net.http.HttpResponse<Void> ping = java.net.http.HttpClient.newHttpClient().send(
                    java.net.http.HttpRequest.newBuilder(java.net.URI.create("http://127.0.0.1:" + port + "/ping"))
                            .timeout(java.time.Duration.ofSeconds(5)).build(),
                    java.net.http.HttpResponse.BodyHandlers.discarding());
            return ping.statusCode() == 200;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    int port() {
        return port;
    }

    /** What HAProxy printed (its warnings, and each server going down or up). */
    String log() throws IOException {
        return Files.readString(log);
    }

    @Override
    public void close() throws Exception {
        process.destroy();
        if (!process.waitFor(10, TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
    }
}
