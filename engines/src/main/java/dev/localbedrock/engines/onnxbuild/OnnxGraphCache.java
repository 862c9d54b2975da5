package dev.localbedrock.engines.onnxbuild;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.localbedrock.engines.hf.HfModelConfig;
import dev.localbedrock.engines.hf.SafeTensors;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.UUID;
import java.util.function.Consumer;
import java.util.stream.Stream;

/**
 * Builds a checkpoint's ONNX graph once and reuses it: {@link #resolve} looks for
 * {@code cacheRoot/<checkpoint-dir-name>-<key>/} and builds it when absent.
 *
 * <p>The key is a SHA-256 of the builder version ({@link OnnxGraphBuilder#BUILDER_VERSION}), the options
 * ({@link BuildOptions#cacheKey()}), {@code config.json}'s bytes, and for every safetensors file (the index too when
 * sharded) its name, size, modification time and JSON header. Anything that changes the weights' layout, the
 * configuration or how the builder works gives a new entry; touching a weight file (new mtime) does too, which is
 * cheap to detect and errs on the side of rebuilding. Old entries are left in place (delete the directory to reclaim
 * space).
 *
 * <p>A build writes into a temporary sibling ({@code .tmp-*}) and renames it into place atomically, so a crash or a
 * concurrent reader never sees a half-written entry; when two processes build the same entry at once, both finish and
 * the first rename wins (the loser's copy is deleted). Temporary directories older than
 * {@value #STALE_TEMP_HOURS} hours (from crashed builds) are removed on the next resolve. Progress (cache hit, or one
 * line per build stage) goes to the given consumer, {@link System#err} by default.
 */
public final class OnnxGraphCache {
    /** Leftover {@code .tmp-*} directories older than this are deleted. */
    public static final int STALE_TEMP_HOURS = 6;
    /** Describes the entry's source for people browsing the cache. */
    public static final String SOURCE_FILE = "source.json";
    /** System property naming the cache root {@link #defaultRoot} returns. */
    public static final String CACHE_PROPERTY = "localbedrock.onnx.cache";
    /** Environment variable naming the cache root {@link #defaultRoot} returns when the property is not set. */
    public static final String CACHE_ENV = "LOCAL_BEDROCK_ONNX_CACHE";
    /** The cache directory {@link #defaultRoot} uses inside a writable checkpoint directory. */
    public static final String MODEL_DIR_CACHE = ".onnx-cache";

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String TEMP_PREFIX = ".tmp-";

    private OnnxGraphCache() {
    }

    /** {@link #resolve(Path, BuildOptions, Path, Consumer)} printing progress to {@link System#err}. */
    public static BuiltGraph resolve(Path hfDir, BuildOptions options, Path cacheRoot) throws IOException {
        return resolve(hfDir, options, cacheRoot, line -> System.err.println(line));
    }

    /**
     * The cached graph for {@code hfDir} built with {@code options}, building it first when the cache has none.
     *
     * @param progress receives human-readable lines, each prefixed with {@code [onnx-graph-cache] <entry>:}
     * @throws IllegalArgumentException when the checkpoint cannot be built with these options (nothing is written)
     */
    public static BuiltGraph resolve(Path hfDir, BuildOptions options, Path cacheRoot, Consumer<String> progress)
            throws IOException {
        BuildOptions opts = options == null ? BuildOptions.defaults() : options;
        Path dir = entryDirectory(hfDir, opts, cacheRoot);
        String name = dir.getFileName().toString();
        Consumer<String> say = line -> progress.accept("[onnx-graph-cache] " + name + ": " + line);
        BuiltGraph hit = load(dir);
        if (hit != null) {
            say.accept("cache hit (" + opts.cacheKey() + ") in " + dir);
            return hit;
        }
        OnnxGraphBuilder.validate(HfModelConfig.load(hfDir), opts); // fail before creating anything
        Files.createDirectories(cacheRoot);
        removeStaleTemps(cacheRoot);
        Path tmp = cacheRoot.resolve(TEMP_PREFIX + name + "-" + UUID.randomUUID());
        say.accept("cache miss; building " + hfDir + " (" + opts.cacheKey() + ") into " + dir);
        try {
            OnnxGraphBuilder.build(hfDir, tmp, opts, say);
            writeSource(tmp.resolve(SOURCE_FILE), hfDir, opts);
            try {
                Files.move(tmp, dir, StandardCopyOption.ATOMIC_MOVE);
            } catch (FileAlreadyExistsException | DirectoryNotEmptyException e) {
                say.accept("another process finished the same entry first; using it");
                deleteRecursively(tmp);
            } catch (AtomicMoveNotSupportedException e) {
                throw new IOException("cannot rename " + tmp + " to " + dir + " atomically", e);
            }
        } catch (IOException | RuntimeException e) {
            deleteRecursively(tmp);
            throw e;
        }
        BuiltGraph built = load(dir);
        if (built == null) {
            throw new IOException("cache entry " + dir + " is incomplete after building");
        }
        say.accept("ready in " + dir);
        return built;
    }

    /**
     * Where graphs of {@code hfDir} are cached when nobody says otherwise: the system property
     * {@value #CACHE_PROPERTY}, else the environment variable {@value #CACHE_ENV}, else
     * {@code hfDir/}{@value #MODEL_DIR_CACHE} when that directory (or, before it exists, {@code hfDir}) is writable,
     * else {@code ~/.cache/local-bedrock/onnx}.
     */
    public static Path defaultRoot(Path hfDir) {
        String prop = System.getProperty(CACHE_PROPERTY);
        if (prop != null && !prop.isBlank()) {
            return Paths.get(prop.trim());
        }
        String env = System.getenv(CACHE_ENV);
        if (env != null && !env.isBlank()) {
            return Paths.get(env.trim());
        }
        Path local = hfDir.toAbsolutePath().normalize().resolve(MODEL_DIR_CACHE);
        if (Files.isDirectory(local) ? Files.isWritable(local) : Files.isWritable(local.getParent())) {
            return local;
        }
        return Paths.get(System.getProperty("user.home"), ".cache", "local-bedrock", "onnx");
    }

    /** The directory {@link #resolve} uses for this checkpoint and options (whether or not it exists yet). */
    public static Path entryDirectory(Path hfDir, BuildOptions options, Path cacheRoot) throws IOException {
        Path abs = hfDir.toAbsolutePath().normalize();
        String base = abs.getFileName() == null ? "model" : abs.getFileName().toString();
        base = base.replaceAll("[^A-Za-z0-9._-]", "_");
        return cacheRoot.resolve(base + "-" + key(abs, options).substring(0, 20));
    }

    /** The entry key: hex SHA-256 over the builder version, the options and the checkpoint's fingerprint. */
    public static String key(Path hfDir, BuildOptions options) throws IOException {
        MessageDigest md = sha256();
        update(md, "onnxbuild v" + OnnxGraphBuilder.BUILDER_VERSION);
        update(md, options.cacheKey());
        Path config = hfDir.resolve(HfModelConfig.CONFIG);
        if (!Files.isRegularFile(config)) {
            throw new NoSuchFileException(config.toString(), null, "model directory has no " + HfModelConfig.CONFIG);
        }
        update(md, HfModelConfig.CONFIG);
        md.update(Files.readAllBytes(config));
        for (Path f : weightFiles(hfDir)) {
            update(md, f.getFileName().toString());
            update(md, Long.toString(Files.size(f)));
            update(md, Long.toString(Files.getLastModifiedTime(f).toMillis()));
            if (f.getFileName().toString().endsWith(".json")) {
                md.update(Files.readAllBytes(f));
            } else {
                md.update(header(f));
            }
        }
        return HexFormat.of().formatHex(md.digest());
    }

    /** The index (when sharded) and every safetensors file that holds weights, in a stable order. */
    private static List<Path> weightFiles(Path dir) throws IOException {
        List<Path> out = new ArrayList<>();
        Path index = dir.resolve(SafeTensors.INDEX_FILE);
        if (Files.isRegularFile(index)) {
            out.add(index);
            Set<String> shards = new LinkedHashSet<>();
            JSON.readTree(index.toFile()).path("weight_map").forEach(n -> shards.add(n.asText()));
            shards.stream().sorted().forEach(s -> out.add(dir.resolve(s)));
            return out;
        }
        Path single = dir.resolve(SafeTensors.SINGLE_FILE);
        if (!Files.isRegularFile(single)) {
            throw new NoSuchFileException(dir.toString(), null, "holds neither " + SafeTensors.SINGLE_FILE + " nor "
                    + SafeTensors.INDEX_FILE);
        }
        out.add(single);
        return out;
    }

    /** The 8-byte length and the JSON header of a safetensors file. */
    private static byte[] header(Path file) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            ByteBuffer len = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
            readFully(ch, len, 0);
            long n = len.getLong(0);
            if (n <= 0 || n > (100L << 20) || 8 + n > ch.size()) {
                throw new IOException(file + " is not a safetensors file (header length " + n + ")");
            }
            ByteBuffer h = ByteBuffer.allocate((int) (8 + n));
            readFully(ch, h, 0);
            return h.array();
        }
    }

    private static void readFully(FileChannel ch, ByteBuffer b, long pos) throws IOException {
        long p = pos;
        while (b.hasRemaining()) {
            int n = ch.read(b, p);
            if (n < 0) {
                throw new IOException("unexpected end of file");
            }
            p += n;
        }
    }

    /** A complete entry, or {@code null}. */
    private static BuiltGraph load(Path dir) throws IOException {
        Path spec = dir.resolve(OnnxGraphBuilder.SPEC_FILE);
        Path model = dir.resolve(OnnxGraphBuilder.MODEL_FILE);
        if (!Files.isRegularFile(spec) || !Files.isRegularFile(model)) {
            return null;
        }
        Path data = dir.resolve(OnnxGraphBuilder.DATA_FILE);
        return new BuiltGraph(dir, model, Files.isRegularFile(data) ? data : null, GraphSpec.read(spec));
    }

    private static void writeSource(Path file, Path hfDir, BuildOptions options) throws IOException {
        ObjectNode n = JSON.createObjectNode();
        n.put("checkpoint", hfDir.toAbsolutePath().normalize().toString());
        n.put("options", options.cacheKey());
        n.put("builder_version", OnnxGraphBuilder.BUILDER_VERSION);
        n.put("built_at", Instant.now().toString());
        Files.writeString(file, JSON.writerWithDefaultPrettyPrinter().writeValueAsString(n) + "\n");
    }

    /** Reads {@value #SOURCE_FILE} of an entry (for tools listing the cache); {@code null} when absent. */
    public static JsonNode source(Path entry) throws IOException {
        Path f = entry.resolve(SOURCE_FILE);
        return Files.isRegularFile(f) ? JSON.readTree(f.toFile()) : null;
    }

    private static void removeStaleTemps(Path root) {
        Instant limit = Instant.now().minus(Duration.ofHours(STALE_TEMP_HOURS));
        try (Stream<Path> s = Files.list(root)) {
            s.filter(p -> p.getFileName().toString().startsWith(TEMP_PREFIX)).forEach(p -> {
                try {
                    if (Files.getLastModifiedTime(p).toInstant().isBefore(limit)) {
                        deleteRecursively(p);
                    }
                } catch (IOException ignored) {
                    // another process may be removing it
                }
            });
        } catch (IOException ignored) {
            // best effort
        }
    }

    private static void deleteRecursively(Path dir) {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> s = Files.walk(dir)) {
            s.sorted(Comparator.reverseOrder()).forEach(p -> {
                try {
                    Files.deleteIfExists(p);
                } catch (IOException ignored) {
                    // best effort
                }
            });
        } catch (IOException | UncheckedIOException ignored) {
            // best effort
        }
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new AssertionError(e);
        }
    }

    private static void update(MessageDigest md, String s) {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        md.update(ByteBuffer.allocate(4).putInt(b.length).array());
        md.update(b);
    }

}
