package dev.localbedrock.runtime.audit;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Clock;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * JSON lines appended to {@code <prefix>-<yyyy-MM-dd>-<nnnnn>.jsonl} files in one folder: a new file each UTC day and
 * whenever the current one would pass the size limit, so that names sort in write order and no file is ever renamed
 * (a reader tailing one is never surprised). After a restart the day's last file is appended to while it has room.
 * Not thread-safe: one writer thread owns it.
 */
public final class RotatingJsonLines implements AutoCloseable {
    private final Path dir;
    private final String prefix;
    private final long maxFileBytes;
    private final int maxFiles;
    private final Clock clock;
    private final Pattern names;
    private OutputStream out;
    private Path current;
    private LocalDate day;
    private int sequence;
    private long size;

    /**
     * @param maxFiles the most files kept, oldest deleted first; 0 keeps all
     */
    public RotatingJsonLines(Path dir, String prefix, long maxFileBytes, int maxFiles, Clock clock)
            throws IOException {
        this.dir = dir;
        this.prefix = prefix;
        this.maxFileBytes = maxFileBytes;
        this.maxFiles = maxFiles;
        this.clock = clock;
        this.names = Pattern.compile(Pattern.quote(prefix) + "-(\\d{4}-\\d{2}-\\d{2})-(\\d{5})\\.jsonl");
        Files.createDirectories(dir);
    }

    /** Appends one line (a newline is added); opens or rolls over the file first when needed. */
    public void write(String json) throws IOException {
        byte[] line = (json + "\n").getBytes(StandardCharsets.UTF_8);
        LocalDate today = LocalDate.ofInstant(clock.instant(), ZoneOffset.UTC);
        if (out == null) {
            open(today);
        }
        if (!today.equals(day)) {
            roll(today, 0);
        } else if (size > 0 && size + line.length > maxFileBytes) {
            roll(today, sequence + 1);
        }
        out.write(line);
        size += line.length;
    }

    /** Hands what is buffered to the operating system. */
    public void flush() throws IOException {
        if (out != null) {
            out.flush();
        }
    }

    /** The file being written, or null before the first line. */
    public Path currentFile() {
        return current;
    }

    /** The audit files in the folder, oldest first. */
    public List<Path> files() throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(p -> names.matcher(p.getFileName().toString()).matches()).sorted().toList();
        }
    }

    private void open(LocalDate today) throws IOException {
        // Continue the day's last file after a restart, rather than starting a new file per start.
        int last = 0;
        for (Path p : files()) {
            Matcher m = names.matcher(p.getFileName().toString());
            if (m.matches() && m.group(1).equals(today.toString())) {
                last = Math.max(last, Integer.parseInt(m.group(2)));
            }
        }
        Path candidate = file(today, last);
        if (Files.exists(candidate) && Files.size(candidate) >= maxFileBytes) {
            last++;
        }
        start(today, last);
    }

    private void roll(LocalDate today, int nextSequence) throws IOException {
        closeCurrent();
        start(today, nextSequence);
        prune();
    }

    private void start(LocalDate today, int seq) throws IOException {
        day = today;
        sequence = seq;
        current = file(today, seq);
        size = Files.exists(current) ? Files.size(current) : 0;
        out = new BufferedOutputStream(Files.newOutputStream(current, StandardOpenOption.CREATE,
                StandardOpenOption.APPEND), 64 * 1024);
    }

    private Path file(LocalDate d, int seq) {
        return dir.resolve(String.format("%s-%s-%05d.jsonl", prefix, d, seq));
    }

    private void prune() throws IOException {
        if (maxFiles <= 0) {
            return;
        }
        List<Path> all = files();
        for (int i = 0; i < all.size() - maxFiles; i++) {
            if (!all.get(i).equals(current)) {
                Files.deleteIfExists(all.get(i));
            }
        }
    }

    private void closeCurrent() throws IOException {
        if (out != null) {
            OutputStream o = out;
            out = null;
            o.close();
        }
    }

    /** Drops the open file after a write error, so that the next write opens it again. */
    void reset() {
        try {
            closeCurrent();
        } catch (IOException ignored) {
            // The stream is broken already; reopening is the recovery.
        }
    }

    @Override
    public void close() throws IOException {
        closeCurrent();
    }
}
