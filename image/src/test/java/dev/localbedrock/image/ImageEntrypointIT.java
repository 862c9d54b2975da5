package dev.localbedrock.image;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Runs the built image the way docs/deploy.md says to: the image tar's layers unpacked into a root, its entry point
 * started with the documented `docker run` arguments, as the image's user, in a mount and network namespace of its
 * own with the documented bind mounts (the shared test models read-only at /models, a models.yaml at
 * /etc/local-bedrock), then one real InvokeModel call and a SIGTERM.
 */
class ImageEntrypointIT {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String LLAMA_ID = "meta.llama2-13b-chat-v1";
    private static final String CACHE_VOLUME = "/var/cache/local-bedrock";

    @TempDir
    Path work;

    @Test
    void documentedRunCommandServesAnInvokeModelCallAndStopsOnSigterm() throws Exception {
        Map<String, String> tools = requiredTools();
        DockerRunCommand run = DockerRunCommand.fromDoc(Path.of(System.getProperty("image.deploy.doc")));
        ImageTar image = ImageTar.open(Path.of(System.getProperty("image.tar")), work);

        // What the image says about itself, against what the documented command relies on.
        assertEquals("10001:10001", image.container().path("User").asText(), "the image runs as a non-root user");
        assertTrue(image.container().path("Volumes").has(CACHE_VOLUME), "the cache directory is a volume");
        List<String> entrypoint = image.strings("Entrypoint");
        assertFalse(entrypoint.isEmpty(), "the image has an entry point");
        assertEquals("serve", run.args().get(0), "the documented arguments start the server");
        int port = -1;
        for (String mapping : run.ports()) {
            String containerPort = mapping.substring(mapping.lastIndexOf(':') + 1);
            assertTrue(image.container().path("ExposedPorts").has(containerPort + "/tcp"),
                    "the documented -p " + mapping + " publishes a port the image exposes");
            port = Integer.parseInt(containerPort);
        }
        assertTrue(port > 0, "the documented command publishes a port");
        assertEquals(port, Integer.parseInt(argAfter(run.args(), "--port")), "the server listens on the published port");

        Path rootfs = work.resolve("rootfs");
        image.unpack(rootfs);

        // The documented host folders: $PWD/models holds the checkpoints, $PWD/config the models.yaml.
        Path pwd = Files.createDirectories(work.resolve("pwd"));
        Path models = Path.of(System.getProperty("shared.models.dir")).toAbsolutePath().normalize();
        assertTrue(Files.isDirectory(models.resolve("tiny-random-llama")), "shared test models at " + models);
        Files.createSymbolicLink(pwd.resolve("models"), models);
        Files.createDirectories(pwd.resolve("config"));
        Files.writeString(pwd.resolve("config/models.yaml"), """
                cache_dir: %s
                models:
                  - id: %s
                    family: meta-llama2
                    source: /models/tiny-random-llama
                    engine: onnxruntime
                    device: cpu
                """.formatted(CACHE_VOLUME, LLAMA_ID));

        List<String> script = new ArrayList<>(List.of("set -e", "R=" + rootfs,
                tools.get("ip") + " link set lo up",
                tools.get("mount") + " -t proc proc \"$R/proc\"",
                tools.get("mount") + " --rbind /dev \"$R/dev\""));
        boolean modelsMounted = false;
        for (String volume : run.volumes()) {
            String[] parts = volume.replace("$PWD", pwd.toString()).split(":");
            if (!parts[0].startsWith("/")) {
                // a named volume: it starts as a copy of the image's folder, which is what the root already has
                assertEquals(CACHE_VOLUME, parts[1], "the documented named volume is the cache");
                continue;
            }
            Path source = Path.of(parts[0]).toRealPath();
            String target = "\"$R" + parts[1] + "\"";
            script.add(tools.get("mount") + " --bind " + source + " " + target);
            if (parts.length > 2 && parts[2].equals("ro")) {
                script.add(tools.get("mount") + " -o remount,bind,ro " + target);
            }
            modelsMounted |= parts[1].equals("/models") && parts.length > 2 && parts[2].equals("ro");
        }
        assertTrue(modelsMounted, "the documented command mounts the models read-only at /models");
        String user = image.container().path("User").asText();
        String workDir = image.container().path("WorkingDir").asText("/");
        script.add("exec " + tools.get("nsenter") + " --root=\"$R\" --wd=\"$R" + workDir + "\" -S "
                + user.split(":")[0] + " -G " + user.split(":")[1] + " \"$@\"");

        List<String> command = new ArrayList<>(List.of(tools.get("unshare"), "--mount", "--propagation", "private",
                "--net", "/bin/sh", "-c", String.join("\n", script), "container"));
        command.addAll(entrypoint);
        command.addAll(run.args());
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(work.resolve("server.log").toFile());
        pb.environment().clear();
        pb.environment().putAll(env(image.strings("Env")));
        Process server = pb.start();
        try {
            // The same process all along (unshare, sh, nsenter each exec the next): the JVM's pid.
            awaitJava(server);
            assertEquals("10001", uid(server.pid()), "the server runs as the image's user");
            Client client = new Client(tools.get("nsenter"), server.pid(), port);
            String ping = client.awaitPing(server, work.resolve("server.log"));
            assertEquals("200", ping, "GET /ping");
            JsonNode reply = JSON.readTree(client.post("/model/" + LLAMA_ID + "/invoke",
                    "{\"prompt\":\"[INST] Name three rivers. [/INST]\",\"temperature\":0.5,\"max_gen_len\":8}"));
            assertTrue(reply.path("generation").isTextual(), "a generation: " + reply);
            int generated = reply.path("generation_token_count").asInt(-1);
            assertTrue(generated >= 1 && generated <= 8, "1..8 generated tokens: " + reply);
            assertTrue(reply.path("prompt_token_count").asInt() > 0, "prompt tokens counted: " + reply);

            server.destroy(); // SIGTERM, as `docker stop` sends
            assertTrue(server.waitFor(60, TimeUnit.SECONDS), "the server exits after SIGTERM");
            assertEquals(0, server.exitValue(), "exit status after SIGTERM: " + log(work.resolve("server.log")));
        } finally {
            server.destroyForcibly();
            server.waitFor(30, TimeUnit.SECONDS);
        }
    }

    private static String argAfter(List<String> args, String option) {
        int i = args.indexOf(option);
        if (i < 0 || i + 1 >= args.size()) {
            fail("the documented arguments have no " + option + ": " + args);
        }
        return args.get(i + 1);
    }

    private static Map<String, String> env(List<String> entries) {
        Map<String, String> env = new LinkedHashMap<>();
        for (String e : entries) {
            int eq = e.indexOf('=');
            env.put(e.substring(0, eq), e.substring(eq + 1));
        }
        return env;
    }

    /** Waits until the process has exec'ed the JVM (its command is the entry point's java, not sh or nsenter). */
    private static void awaitJava(Process server) throws Exception {
        for (int i = 0; i < 300; i++) {
            String cmdline = Files.readString(Path.of("/proc/" + server.pid() + "/cmdline")).replace('\0', ' ');
            if (cmdline.startsWith("java ")) {
                return;
            }
            if (!server.isAlive()) {
                break;
            }
            Thread.sleep(100);
        }
        fail("the entry point did not start (exit " + (server.isAlive() ? "-" : server.exitValue()) + ")");
    }

    private static String uid(long pid) throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
            if (line.startsWith("Uid:")) {
                return line.split("\\s+")[1];
            }
        }
        throw new IOException("no Uid line for " + pid);
    }

    static String log(Path file) {
        try {
            String text = Files.readString(file);
            return text.length() > 4000 ? text.substring(text.length() - 4000) : text;
        } catch (IOException e) {
            return "(no log: " + e + ")";
        }
    }

    /**
     * The namespaces, bind mounts and the switch to the image's uid need root; the tools are util-linux's,
     * coreutils' and iproute2's. Missing ones fail the test by name: this check is not optional.
     */
    private static Map<String, String> requiredTools() throws IOException {
        String uid = uid(ProcessHandle.current().pid());
        if (!uid.equals("0")) {
            fail("running the image needs root (mount and network namespaces, bind mounts, switching to uid 10001); "
                    + "this build runs as uid " + uid);
        }
        Map<String, String> tools = new LinkedHashMap<>();
        List<String> missing = new ArrayList<>();
        for (String tool : List.of("unshare", "nsenter", "mount", "ip", "python3")) {
            String found = null;
            for (String dir : (System.getenv("PATH") + ":/usr/sbin:/sbin").split(File.pathSeparator)) {
                if (Files.isExecutable(Path.of(dir, tool))) {
                    found = Path.of(dir, tool).toString();
                    break;
                }
            }
            if (found == null) {
                missing.add(tool);
            } else {
                tools.put(tool, found);
            }
        }
        if (!missing.isEmpty()) {
            fail("running the image needs " + missing + " on PATH (Debian: util-linux, mount, iproute2, python3)");
        }
        return tools;
    }
}
