package dev.localbedrock.image;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/**
 * A `docker save`-format image tar (what `jib:buildTar` writes), opened the way a container runtime does: the
 * manifest names the config and the layers; the layers are unpacked in order onto one root, each layer's whiteouts
 * ({@code .wh.NAME} removes NAME, {@code .wh..wh..opq} empties its folder) applied before its files. GNU tar does the
 * unpacking, so owners, modes and links come out as the layer says (run as root).
 */
final class ImageTar {

    private static final ObjectMapper JSON = new ObjectMapper();

    final JsonNode config;
    final List<String> layers;
    private final Path dir;

    private ImageTar(Path dir, JsonNode config, List<String> layers) {
        this.dir = dir;
        this.config = config;
        this.layers = layers;
    }

    static ImageTar open(Path tar, Path workDir) throws IOException, InterruptedException {
        Path dir = Files.createDirectories(workDir.resolve("image"));
        run(List.of("tar", "-xf", tar.toString(), "-C", dir.toString()));
        JsonNode manifest = JSON.readTree(dir.resolve("manifest.json").toFile());
        if (!manifest.isArray() || manifest.size() != 1) {
            throw new IllegalStateException("manifest.json should describe one image: " + manifest);
        }
        JsonNode entry = manifest.get(0);
        JsonNode config = JSON.readTree(dir.resolve(entry.get("Config").asText()).toFile());
        List<String> layers = new ArrayList<>();
        entry.get("Layers").forEach(l -> layers.add(l.asText()));
        return new ImageTar(dir, config, layers);
    }

    /** The container config ({@code config} of the image config): Entrypoint, Cmd, User, Env, ... */
    JsonNode container() {
        return config.get("config");
    }

    List<String> strings(String key) {
        List<String> out = new ArrayList<>();
        JsonNode node = container().get(key);
        if (node != null) {
            node.forEach(n -> out.add(n.asText()));
        }
        return out;
    }

    /** Unpacks every layer, in order, into {@code rootfs}. */
    void unpack(Path rootfs) throws IOException, InterruptedException {
        Files.createDirectories(rootfs);
        for (String layer : layers) {
            Path file = dir.resolve(layer);
            for (String name : list(file)) {
                applyWhiteout(rootfs, name);
            }
            run(List.of("tar", "-xf", file.toString(), "-C", rootfs.toString(), "--numeric-owner",
                    "--exclude=.wh.*", "--exclude=*/.wh.*"));
        }
    }

    private static void applyWhiteout(Path rootfs, String name) throws IOException {
        String clean = name.startsWith("./") ? name.substring(2) : name;
        Path path = Path.of(clean);
        String base = path.getFileName() == null ? "" : path.getFileName().toString();
        if (!base.startsWith(".wh.")) {
            return;
        }
        Path parent = path.getParent() == null ? rootfs : rootfs.resolve(path.getParent().toString());
        if (base.equals(".wh..wh..opq")) {
            if (Files.isDirectory(parent, LinkOption.NOFOLLOW_LINKS)) {
                try (Stream<Path> children = Files.list(parent)) {
                    for (Path child : children.toList()) {
                        delete(child);
                    }
                }
            }
        } else {
            delete(parent.resolve(base.substring(".wh.".length())));
        }
    }

    private static void delete(Path path) throws IOException {
        if (!Files.exists(path, LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        if (Files.isDirectory(path, LinkOption.NOFOLLOW_LINKS)) {
            try (Stream<Path> walk = Files.walk(path)) {
                for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                    Files.delete(p);
                }
            }
        } else {
            Files.delete(path);
        }
    }

    private static List<String> list(Path layer) throws IOException, InterruptedException {
        Process p = new ProcessBuilder("tar", "-tf", layer.toString()).redirectErrorStream(true).start();
        List<String> names = new String(p.getInputStream().readAllBytes()).lines().toList();
        if (p.waitFor() != 0) {
            throw new IOException("tar -tf " + layer + " failed: " + names);
        }
        return names;
    }

    static void run(List<String> command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        if (p.waitFor() != 0) {
            throw new IOException(String.join(" ", command) + " failed: " + out);
        }
    }
}
