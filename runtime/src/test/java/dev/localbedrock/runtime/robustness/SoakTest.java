package dev.localbedrock.runtime.robustness;

import com.fasterxml.jackson.databind.JsonNode;
import dev.localbedrock.runtime.BedrockService;
import dev.localbedrock.runtime.generation.ModelWorker;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLongArray;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Many mixed requests — InvokeModel and InvokeModelWithResponseStream on the Llama 2 family, Titan Embeddings, valid
 * and invalid bodies, and clients that hang up before the answer or in the middle of a stream — against one server,
 * on each engine. Afterwards nothing a request held may remain: the scheduler's KV ledger and the engine's KV slots
 * are empty, no native tensor is left (PyTorch: the model's NDManager tree holds exactly what it held before; ONNX
 * Runtime: no step tensor is open), the queue is empty, and the server still answers. RSS is sampled before, halfway
 * and after and printed; only unbounded growth fails.
 *
 * <p>{@code -Drobustness.form=long} sends 20 000 requests per engine (CI: 1 000); {@code -Drobustness.soak.requests=N}
 * sets the count directly, {@code -Drobustness.seed=S} the random mix.
 */
@Tag("robustness")
class SoakTest {
    private static final int CLIENTS = 8;

    @TempDir
    Path dir;

    /** What a client does; the weights say how often. */
    enum Kind {
        INVOKE(30), STREAM(22), EMBED(12), INVALID(12), HANG_UP_MID_STREAM(10), HANG_UP_BEFORE_ANSWER(8),
        HANG_UP_MID_BODY(3), STREAM_ON_EMBEDDINGS(3);

        final int weight;

        Kind(int weight) {
            this.weight = weight;
        }

        static Kind pick(Random random) {
            int total = 0;
            for (Kind k : values()) {
                total += k.weight;
            }
            int r = random.nextInt(total);
            for (Kind k : values()) {
                r -= k.weight;
                if (r < 0) {
                    return k;
                }
            }
            throw new AssertionError();
        }
    }

    /** Bodies the Llama and Titan codecs must refuse with a 4xx naming the problem; [path, content type, body]. */
    private static final String[][] INVALID = {
            {RobustnessServers.INVOKE, "application/json", "{\"prompt\": \"unterminated"},
            {RobustnessServers.INVOKE, "application/json", "{\"prompt\": 42}"},
            {RobustnessServers.INVOKE, "application/json", "{\"prompt\": \"x\", \"max_gen_len\": -3}"},
            {RobustnessServers.INVOKE, "application/json", "{\"prompt\": \"x\", \"temperature\": \"hot\"}"},
            {RobustnessServers.INVOKE, "application/json", "{\"prompt\": \"x\", \"top_p\": 7}"},
            {RobustnessServers.INVOKE, "application/json", ""},
            {RobustnessServers.STREAM, "application/json", "[1, 2, 3]"},
            {RobustnessServers.STREAM, "application/json", "{\"max_gen_len\": 5}"},
            {RobustnessServers.INVOKE, "text/plain", "{\"prompt\": \"x\"}"},
            {"/model/no.such-model-v1/invoke", "application/json", "{\"prompt\": \"x\"}"},
            {RobustnessServers.EMBED, "application/json", "{\"inputText\": \"\"}"},
            {RobustnessServers.EMBED, "application/json", "{\"inputText\": 17}"},
            {RobustnessServers.EMBED, "application/json", "{\"texts\": [\"a\"]}"},
    };

    private static final String[] WORDS = {"river", "mountain", "the", "a", "quick", "[INST]", "[/INST]", "story",
            "über", "数据", "42", "\\n", "tell", "me", "why"};

    private static String prompt(Random random) {
        StringBuilder p = new StringBuilder();
        int n = 1 + random.nextInt(24);
        for (int i = 0; i < n; i++) {
            p.append(i == 0 ? "" : " ").append(WORDS[random.nextInt(WORDS.length)]);
        }
        return p.toString();
    }

    private static byte[] llamaBody(Random random, int maxGenLen) {
        String sampling = random.nextBoolean() ? "\"temperature\": 0"
                : "\"temperature\": " + (0.2 + 0.8 * random.nextDouble()) + ", \"top_p\": " + (0.5 + random.nextDouble() / 2);
        return ("{\"prompt\": \"" + prompt(random) + "\", " + sampling + ", \"max_gen_len\": " + maxGenLen + "}")
                .getBytes(StandardCharsets.UTF_8);
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"pytorch", "onnxruntime"})
    void mixedTrafficWithDisconnectsLeavesNothingBehind(String engine) throws Exception {
        int requests = RobustnessForm.pick("robustness.soak.requests", 1_000, 20_000);
        long seed = Long.getLong("robustness.seed", 12L);
        try (BedrockService service = RobustnessServers.start(dir, engine,
                "max_context_tokens: 512\nmax_running_sequences: 8\nmax_queue: 64\n", true)) {
            int port = service.address().getPort();
            ModelWorker worker = RobustnessServers.llamaWorker(service);
            // Warm up (first steps allocate scratch buffers and JIT the paths), then take the baseline.
            for (int i = 0; i < 4; i++) {
                assertEquals(200, RawHttp.post(port, RobustnessServers.STREAM, "application/json",
                        llamaBody(new Random(i), 8)).status());
                assertEquals(200, RawHttp.post(port, RobustnessServers.EMBED, "application/json",
                        "{\"inputText\": \"warm up\"}".getBytes(StandardCharsets.UTF_8)).status());
            }
            RobustnessServers.Holdings idle = RobustnessServers.awaitIdle(worker, RobustnessServers.Holdings
                    .of(worker).engineTensors());
            ResidentMemory before = ResidentMemory.sample();

            AtomicInteger next = new AtomicInteger();
            AtomicLongArray byKind = new AtomicLongArray(Kind.values().length);
            ConcurrentLinkedQueue<String> failures = new ConcurrentLinkedQueue<>();
            ResidentMemory[] halfway = new ResidentMemory[1];
            long start = System.nanoTime();
            ExecutorService clients = Executors.newFixedThreadPool(CLIENTS);
            List<Future<?>> running = new ArrayList<>();
            for (int c = 0; c < CLIENTS; c++) {
                running.add(clients.submit(() -> {
                    for (int i = next.getAndIncrement(); i < requests; i = next.getAndIncrement()) {
                        Random random = new Random(seed * 1_000_003L + i);
                        Kind kind = Kind.pick(random);
                        byKind.incrementAndGet(kind.ordinal());
                        try {
                            String problem = exchange(port, kind, random);
                            if (problem != null) {
                                failures.add("request " + i + " (" + kind + "): " + problem);
                            }
                        } catch (IOException | RuntimeException e) {
                            failures.add("request " + i + " (" + kind + "): " + e);
                        }
                        if (i == requests / 2) {
                            try {
                                halfway[0] = ResidentMemory.sample();
                            } catch (InterruptedException e) {
                                Thread.currentThread().interrupt();
                            }
                        }
                    }
                    return null;
                }));
            }
            for (Future<?> f : running) {
                f.get(30, TimeUnit.MINUTES);
            }
            clients.shutdown();
            double seconds = (System.nanoTime() - start) / 1e9;

            RobustnessServers.Holdings after = RobustnessServers.awaitIdle(worker, idle.engineTensors());
            ResidentMemory end = ResidentMemory.sample();
            Map<Kind, Long> counts = new EnumMap<>(Kind.class);
            for (Kind k : Kind.values()) {
                counts.put(k, byKind.get(k.ordinal()));
            }
            long disconnects = counts.get(Kind.HANG_UP_MID_STREAM) + counts.get(Kind.HANG_UP_BEFORE_ANSWER)
                    + counts.get(Kind.HANG_UP_MID_BODY);
            System.out.printf("soak %s [%s form, seed %d]: %d requests in %.1f s (%d clients), %d disconnects, "
                            + "mix %s; before: %s (KV ledger %d, slots %d, tensors %d); halfway: %s; after: %s "
                            + "(KV ledger %d, slots %d, tensors %d, queued %d); failures %d%n",
                    engine, RobustnessForm.name(), seed, requests, seconds, CLIENTS, disconnects, counts, before,
                    idle.ledgerKvTokens(), idle.engineSequences(), idle.engineTensors(), halfway[0], end,
                    after.ledgerKvTokens(), after.engineSequences(), after.engineTensors(), after.queued(),
                    failures.size());

            assertTrue(failures.isEmpty(), failures.size() + " bad answers, e.g. "
                    + failures.stream().limit(5).toList());
            assertEquals(0, after.ledgerKvTokens(), "KV tokens still reserved in the scheduler's ledger");
            assertEquals(0, after.engineSequences(), "KV slots still held in the engine");
            assertEquals(idle.engineTensors(), after.engineTensors(), "native tensors leaked");
            assertEquals(0, after.queued());
            // Unbounded growth only: a leak of a KV slot's worth per request would pass this many MiB many times over.
            if (end.rssKiB() > 0 && halfway[0] != null) {
                assertTrue(end.rssKiB() - halfway[0].rssKiB() < 512 * 1024,
                        "RSS grew from " + halfway[0] + " halfway to " + end + " at the end");
            }
            assertEquals(200, RawHttp.post(port, RobustnessServers.INVOKE, "application/json",
                    llamaBody(new Random(seed), 4)).status(), "the server still serves after the soak");
        }
    }

    /** Does one request of {@code kind}; returns what was wrong with the answer, or null. */
    private static String exchange(int port, Kind kind, Random random) throws IOException {
        switch (kind) {
            case INVOKE -> {
                RawHttp.Reply r = RawHttp.post(port, RobustnessServers.INVOKE, "application/json",
                        llamaBody(random, 1 + random.nextInt(24)));
                if (r.status() != 200) {
                    return r.status() + " " + r.text();
                }
                JsonNode json = r.json();
                return json.get("generation").isTextual() && json.get("stop_reason").isTextual() ? null
                        : "incomplete answer " + r.text();
            }
            case STREAM -> {
                RawHttp.Reply r = RawHttp.post(port, RobustnessServers.STREAM, "application/json",
                        llamaBody(random, 1 + random.nextInt(24)));
                if (r.status() != 200) {
                    return r.status() + " " + r.text();
                }
                List<JsonNode> chunks = r.streamChunks();
                JsonNode last = chunks.get(chunks.size() - 1);
                return last.get("stop_reason").isTextual() && last.has("amazon-bedrock-invocationMetrics") ? null
                        : "stream did not end properly: " + last;
            }
            case EMBED -> {
                RawHttp.Reply r = RawHttp.post(port, RobustnessServers.EMBED, "application/json",
                        ("{\"inputText\": \"" + prompt(random) + "\"}").getBytes(StandardCharsets.UTF_8));
                if (r.status() != 200) {
                    return r.status() + " " + r.text();
                }
                return r.json().get("embedding").size() > 0 ? null : "no embedding: " + r.text();
            }
            case INVALID, STREAM_ON_EMBEDDINGS -> {
                String[] bad = kind == Kind.INVALID ? INVALID[random.nextInt(INVALID.length)]
                        : new String[] {RobustnessServers.EMBED_STREAM, "application/json", "{\"inputText\": \"x\"}"};
                RawHttp.Reply r = RawHttp.post(port, bad[0], bad[1], bad[2].getBytes(StandardCharsets.UTF_8));
                boolean awsShaped = r.status() >= 400 && r.status() < 500 && r.errorType() != null
                        && r.json().get("message").isTextual();
                return awsShaped ? null : "expected an AWS-shaped 4xx for " + bad[2] + ", got " + r.status() + " "
                        + r.headers() + " " + r.text();
            }
            case HANG_UP_MID_STREAM -> {
                try (Socket socket = RawHttp.connect(port)) {
                    RawHttp.send(socket, RobustnessServers.STREAM, "application/json",
                            llamaBody(random, 64 + random.nextInt(400)));
                    RawHttp.readUntilFirstEvent(socket.getInputStream());
                    hangUp(socket, random);
                }
                return null;
            }
            case HANG_UP_BEFORE_ANSWER -> {
                try (Socket socket = RawHttp.connect(port)) {
                    RawHttp.send(socket, random.nextBoolean() ? RobustnessServers.STREAM : RobustnessServers.INVOKE,
                            "application/json", llamaBody(random, 32 + random.nextInt(400)));
                    hangUp(socket, random);
                }
                return null;
            }
            case HANG_UP_MID_BODY -> {
                try (Socket socket = RawHttp.connect(port)) {
                    byte[] body = llamaBody(random, 16);
                    socket.getOutputStream().write((RawHttp.head(RobustnessServers.INVOKE, "application/json",
                            body.length)).getBytes(StandardCharsets.US_ASCII));
                    socket.getOutputStream().write(body, 0, body.length / 2);
                    socket.getOutputStream().flush();
                    hangUp(socket, random);
                }
                return null;
            }
            default -> throw new AssertionError(kind);
        }
    }

    /** Half the time an orderly close (FIN), half the time a reset (RST), as a crashed client would. */
    private static void hangUp(Socket socket, Random random) throws IOException {
        if (random.nextBoolean()) {
            socket.setSoLinger(true, 0);
        }
        socket.close();
    }
}
