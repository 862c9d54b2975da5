package dev.localbedrock.runtime;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The serve command as an operator runs it, in its own JVM on this test's classpath, on a free port: for tests that
 * signal or kill the server. Its output is collected (for failure messages) and the port read from its
 * "listening on" line.
 */
public final class ServeProcess {
    private static final Pattern LISTENING = Pattern.compile("listening on http://([^:\\s]+):(\\d+)");

    private final Process process;
    private final ConcurrentLinkedQueue<String> output = new ConcurrentLinkedQueue<>();
    private final CompletableFuture<Integer> port = new CompletableFuture<>();

    private ServeProcess(Process process) {
        this.process = process;
        Thread reader = new Thread(() -> read(process.getInputStream()), "server-output");
        reader.setDaemon(true);
        reader.start();
    }

    /** Starts {@code serve --config config --port 0}. */
    public static ServeProcess start(Path config) throws IOException {
        return start(config, java.util.Map.of());
    }

    /** Starts {@code serve --config config --port 0} with {@code env} added to its environment. */
    public static ServeProcess start(Path config, java.util.Map<String, String> env) throws IOException {
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        ProcessBuilder builder = new ProcessBuilder(java.toString(), "-cp", System.getProperty("java.class.path"),
                "-Dai.djl.offline=true", "dev.localbedrock.runtime.cli.Main", "serve", "--config", config.toString(),
                "--port", "0").redirectErrorStream(true);
        builder.environment().putAll(env);
        return new ServeProcess(builder.start());
    }

    public Process process() {
        return process;
    }

    /** The port it listens on, once it does (a server that exits first fails this with its output). */
    public int port() throws Exception {
        return port.get(120, TimeUnit.SECONDS);
    }

    /** Everything it printed so far. */
    public String output() {
        return String.join("\n", output);
    }

    private void read(InputStream in) {
        try (BufferedReader lines = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
            for (String line; (line = lines.readLine()) != null; ) {
                output.add(line);
                Matcher m = LISTENING.matcher(line);
                if (m.find()) {
                    port.complete(Integer.parseInt(m.group(2)));
                }
            }
            port.completeExceptionally(new IllegalStateException("the server exited before listening:\n" + output()));
        } catch (IOException e) {
            port.completeExceptionally(e);
        }
    }
}
