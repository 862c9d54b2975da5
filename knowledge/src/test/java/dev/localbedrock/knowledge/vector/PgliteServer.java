package dev.localbedrock.knowledge.vector;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A real PostgreSQL with the real pgvector extension for tests: PGlite (PostgreSQL compiled to WASM) in memory,
 * served on the PostgreSQL wire protocol on a free loopback port by pglite-server, from the pinned npm lock file in
 * {@code src/test/pglite} (installed once under {@code target/pglite} with {@code npm ci}). Debian ships PostgreSQL
 * but no pgvector package, which is why the tests do not start Debian's server.
 *
 * <p>Missing node or npm is a failure, not a skip: the suite requires them, and a skipped store test would pass
 * without testing the store.
 */
public final class PgliteServer implements AutoCloseable {

    public static final String USER = "postgres";
    public static final String PASSWORD = "postgres";

    /** The knowledge module's folder: the tests of a module beside it (runtime) start the same server. */
    private static final Path MODULE = Files.isDirectory(Path.of("src", "test", "pglite")) ? Path.of("")
            : Path.of("..", "knowledge");
    private static final Path SOURCES = MODULE.resolve(Path.of("src", "test", "pglite"));
    private static final Path INSTALL = MODULE.resolve(Path.of("target", "pglite"));
    private static final Path SERVER_SCRIPT =
            INSTALL.resolve("node_modules/@electric-sql/pglite-socket/dist/scripts/server.js");
    /** pglite-server multiplexes its one PostgreSQL session over this many client connections. */
    static final int MAX_CONNECTIONS = 8;
    private static final long START_TIMEOUT_SECONDS = 90;

    private final Process process;
    private final int port;
    private final Path log;

    private PgliteServer(Process process, int port, Path log) {
        this.process = process;
        this.port = port;
        this.log = log;
    }

    /** Installs (once) and starts a fresh, empty server; it accepts connections when this returns. */
    public static PgliteServer start() throws IOException, InterruptedException {
        requireOnPath("node");
        requireOnPath("npm");
        install();
        IOException last = null;
        for (int attempt = 0; attempt < 3; attempt++) { // the free port may be taken before the server binds it
            int port = freePort();
            Path log = INSTALL.resolve("server-" + port + ".log");
            Process process = new ProcessBuilder("node", SERVER_SCRIPT.toString(), "--db=memory://",
                    "--host=127.0.0.1", "--port=" + port, "--extensions=@electric-sql/pglite-pgvector:vector",
                    "--max-connections=" + MAX_CONNECTIONS)
                    .redirectErrorStream(true).redirectOutput(log.toFile()).start();
            PgliteServer server = new PgliteServer(process, port, log);
            try {
                server.awaitListening();
                return server;
            } catch (IOException e) {
                server.close();
                last = e;
            }
        }
        throw last;
    }

    /** A JDBC URL for the server's {@code postgres} database. */
    public String jdbcUrl() {
        // prepareThreshold=0: the driver's named server-side statements belong to a session, and pglite-server
        // shares its one session between connections, so two connections could each name a statement S_1.
        return "jdbc:postgresql://127.0.0.1:" + port + "/postgres?sslmode=disable&prepareThreshold=0&socketTimeout=120";
    }

    @Override
    public void close() {
        // node may have children (none today); end them first, then the server, and wait so the port is free.
        process.toHandle().descendants().forEach(ProcessHandle::destroy);
        process.destroy();
        try {
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }

    private void awaitListening() throws IOException, InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(START_TIMEOUT_SECONDS);
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IOException("pglite-server exited with " + process.exitValue() + ":\n" + output());
            }
            // The socket is bound only once PGlite has initialised and loaded the extension.
            try (Socket socket = new Socket()) {
                socket.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 1000);
                return;
            } catch (IOException notYet) {
                Thread.sleep(100);
            }
        }
        throw new IOException("pglite-server did not listen on port " + port + " within " + START_TIMEOUT_SECONDS
                + " s:\n" + output());
    }

    private String output() {
        try {
            return Files.readString(log);
        } catch (IOException e) {
            return "(no output: " + e + ")";
        }
    }

    private static void install() throws IOException, InterruptedException {
        Files.createDirectories(INSTALL);
        Path lock = INSTALL.resolve("package-lock.json");
        boolean current = Files.isRegularFile(SERVER_SCRIPT) && Files.isRegularFile(lock)
                && Arrays.equals(Files.readAllBytes(lock), Files.readAllBytes(SOURCES.resolve("package-lock.json")));
        if (current) {
            return;
        }
        for (String file : List.of("package.json", "package-lock.json")) {
            Files.copy(SOURCES.resolve(file), INSTALL.resolve(file), StandardCopyOption.REPLACE_EXISTING);
        }
        Path npmLog = INSTALL.resolve("npm.log");
        Process npm = new ProcessBuilder("npm", "ci", "--no-audit", "--no-fund").directory(INSTALL.toFile())
                .redirectErrorStream(true).redirectOutput(npmLog.toFile()).start();
        if (!npm.waitFor(300, TimeUnit.SECONDS)) {
            npm.destroyForcibly();
            throw new IOException("npm ci in " + INSTALL + " did not finish in 300 s:\n" + Files.readString(npmLog));
        }
        if (npm.exitValue() != 0) {
            throw new IOException("npm ci in " + INSTALL + " failed:\n" + Files.readString(npmLog));
        }
    }

    private static void requireOnPath(String tool) {
        String path = System.getenv().getOrDefault("PATH", "");
        boolean found = Arrays.stream(path.split(File.pathSeparator))
                .anyMatch(dir -> !dir.isEmpty() && new File(dir, tool).canExecute());
        if (!found) {
            throw new IllegalStateException("'" + tool + "' is not on PATH: the pgvector store's tests run PGlite with"
                    + " node and npm; ./test.sh requires both (install Node.js and npm)");
        }
    }

    private static int freePort() {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
