package dev.localbedrock.benchmarks.llamacpp;

import com.sun.jna.Library;
import com.sun.jna.Native;
import com.sun.jna.NativeLong;

import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;

/**
 * Captures what native code writes to file descriptor 2, which is where llama.cpp's server code logs (its system
 * info and each request's {@code print_timings}) — the Java logger hook of {@code de.kherud:llama} does not see those
 * lines. Through libc (JNA, already on the class path via DJL): fd 2 becomes the write end of a pipe that a daemon
 * thread reads line by line (optionally echoing to the real stderr), and {@link System#err} is re-pointed at a
 * duplicate of the original stderr so Java's own messages bypass the pipe. Linux/macOS only; when anything fails,
 * nothing is captured and stderr is left as it was.
 */
public final class NativeStderr {
    private static final int MAX_LINES = 200_000;
    private static final ConcurrentLinkedQueue<String> LINES = new ConcurrentLinkedQueue<>();
    private static volatile boolean echo;
    private static boolean installed;
    private static boolean failed;

    private interface LibC extends Library {
        int pipe(int[] fds);

        int dup(int fd);

        int dup2(int oldFd, int newFd);

        int close(int fd);

        NativeLong read(int fd, byte[] buf, NativeLong count);

        NativeLong write(int fd, byte[] buf, NativeLong count);
    }

    private NativeStderr() {
    }

    /** Whether captured lines are also copied to the real stderr. */
    public static void echo(boolean on) {
        echo = on;
    }

    /** Starts capturing (once per process); returns whether capture is active. */
    public static synchronized boolean install() {
        if (installed || failed) {
            return installed;
        }
        try {
            LibC c = Native.load("c", LibC.class);
            System.err.flush();
            int saved = c.dup(2);
            int[] p = new int[2];
            if (saved < 0 || c.pipe(p) != 0) {
                failed = true;
                return false;
            }
            if (c.dup2(p[1], 2) < 0) {
                c.close(p[0]);
                c.close(p[1]);
                failed = true;
                return false;
            }
            c.close(p[1]);
            System.setErr(new PrintStream(new FdOutputStream(c, saved), true, StandardCharsets.UTF_8));
            Thread reader = new Thread(() -> pump(c, p[0], saved), "native-stderr");
            reader.setDaemon(true);
            reader.start();
            installed = true;
        } catch (RuntimeException | UnsatisfiedLinkError e) {
            failed = true;
        }
        return installed;
    }

    private static void pump(LibC c, int in, int out) {
        byte[] buf = new byte[8192];
        StringBuilder line = new StringBuilder();
        while (true) {
            long n = c.read(in, buf, new NativeLong(buf.length)).longValue();
            if (n <= 0) {
                return;
            }
            if (echo) {
                c.write(out, buf, new NativeLong(n));
            }
            String s = new String(buf, 0, (int) n, StandardCharsets.UTF_8);
            for (int i = 0; i < s.length(); i++) {
                char ch = s.charAt(i);
                if (ch == '\n') {
                    if (LINES.size() < MAX_LINES) {
                        LINES.add(line.toString());
                    }
                    line.setLength(0);
                } else {
                    line.append(ch);
                }
            }
        }
    }

    /** Lines captured since the last drain, oldest first. */
    public static List<String> drain() {
        List<String> out = new ArrayList<>();
        String s;
        while ((s = LINES.poll()) != null) {
            out.add(s);
        }
        return out;
    }

    /** Writes to a raw file descriptor through libc. */
    private static final class FdOutputStream extends OutputStream {
        private final LibC c;
        private final int fd;

        FdOutputStream(LibC c, int fd) {
            this.c = c;
            this.fd = fd;
        }

        @Override
        public void write(int b) {
            write(new byte[] {(byte) b}, 0, 1);
        }

        @Override
        public void write(byte[] b, int off, int len) {
            byte[] chunk = off == 0 && len == b.length ? b : java.util.Arrays.copyOfRange(b, off, off + len);
            int done = 0;
            while (done < len) {
                byte[] rest = done == 0 ? chunk : java.util.Arrays.copyOfRange(chunk, done, len);
                long n = c.write(fd, rest, new NativeLong(rest.length)).longValue();
                if (n <= 0) {
                    return;
                }
                done += (int) n;
            }
        }
    }
}
