package dev.localbedrock.runtime.state;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

/**
 * A throwaway PostgreSQL server from Debian's own package (postgresql-15, which test.sh installs when missing),
 * started on loopback for a test: initdb into a temporary folder ({@code --locale=C}, trust authentication, no fsync
 * at init), {@code pg_ctl start} on a free port, and an immediate stop and deletion on close. initdb refuses to run as
 * root, so as root the server runs as Debian's {@code postgres} user through {@code runuser}.
 */
public final class DebianPostgres implements AutoCloseable {
    private static final AtomicInteger DATABASES = new AtomicInteger();
    private final Path bin;
    private final Path root;
    private final int port;

    private DebianPostgres(Path bin, Path root, int port) {
        this.bin = bin;
        this.root = root;
        this.port = port;
    }

    public static DebianPostgres start() throws IOException, InterruptedException {
        Path bin = binaries();
        Path root = Files.createTempDirectory("debian-postgres");
        Path data = root.resolve("data");
        boolean asRoot = "root".equals(System.getProperty("user.name"));
        if (asRoot) {
            run(List.of("chown", "postgres:postgres", root.toString()), false);
        }
        run(List.of(bin.resolve("initdb").toString(), "-D", data.toString(), "-U", "postgres", "-A", "trust",
                "--no-sync", "-E", "UTF8", "--locale=C"), asRoot);
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        run(List.of(bin.resolve("pg_ctl").toString(), "-D", data.toString(), "-w", "-t", "60", "-l",
                root.resolve("server.log").toString(), "-o", "-h 127.0.0.1 -p " + port + " -k " + root + " -F",
                "start"), asRoot);
        return new DebianPostgres(bin, root, port);
    }

    /** The newest {@code /usr/lib/postgresql/<version>/bin} that has initdb. */
    private static Path binaries() throws IOException {
        Path base = Path.of("/usr/lib/postgresql");
        if (Files.isDirectory(base)) {
            try (Stream<Path> versions = Files.list(base)) {
                var found = versions.map(v -> v.resolve("bin")).filter(b -> Files.isExecutable(b.resolve("initdb")))
                        .max(Comparator.comparing(b -> Integer.parseInt(b.getParent().getFileName().toString()
                                .replaceAll("\\D", "0"))));
                if (found.isPresent()) {
                    return found.get();
                }
            }
        }
        throw new IllegalStateException("Debian's PostgreSQL server is not installed (apt-get install postgresql);"
                + " test.sh installs it when missing");
    }

    private static void run(List<String> command, boolean asPostgres) throws IOException, InterruptedException {
        List<String> full = new ArrayList<>();
        if (asPostgres) {
            full.addAll(List.of("runuser", "-u", "postgres", "--"));
        }
        full.addAll(command);
        Process p = new ProcessBuilder(full).redirectErrorStream(true).start();
        String output = new String(p.getInputStream().readAllBytes());
        if (!p.waitFor(120, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new IllegalStateException(String.join(" ", full) + " failed:\n" + output);
        }
    }

    /** A new, empty database on this server, as a JDBC URL naming its user. */
    public String newDatabase() throws SQLException {
        String name = "state_" + DATABASES.incrementAndGet();
        try (Connection c = DriverManager.getConnection(url("postgres")); Statement s = c.createStatement()) {
            s.executeUpdate("CREATE DATABASE " + name);
        }
        return url(name);
    }

    private String url(String database) {
        return "jdbc:postgresql://127.0.0.1:" + port + "/" + database + "?user=postgres";
    }

    @Override
    public void close() throws Exception {
        try {
            run(List.of(bin.resolve("pg_ctl").toString(), "-D", root.resolve("data").toString(), "-m", "immediate",
                    "-w", "stop"), "root".equals(System.getProperty("user.name")));
        } finally {
            try (Stream<Path> files = Files.walk(root)) {
                files.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
            }
        }
    }
}
