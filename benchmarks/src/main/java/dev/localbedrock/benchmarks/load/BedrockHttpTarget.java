package dev.localbedrock.benchmarks.load;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.localbedrock.codecs.eventstream.EventStreamDecoder;
import dev.localbedrock.codecs.eventstream.EventStreamMessage;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * Drives a Bedrock-compatible server over HTTP/1.1 with the JDK client: {@code InvokeModelWithResponseStream}
 * (event-stream frames decoded with codecs' {@link EventStreamDecoder}, each chunk timed as its bytes arrive) or
 * {@code InvokeModel}. Bodies are Meta Llama 2's: {@code prompt}, {@code temperature 0} (greedy) and
 * {@code max_gen_len}. Token counts come from the chunks' {@code generation_token_count} (and the body's for
 * {@code InvokeModel}), prompt counts from {@code prompt_token_count}.
 */
public final class BedrockHttpTarget implements LoadTarget {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final URI endpoint;
    private final String modelId;
    private final HttpClient client;
    private final ExecutorService executor;
    private final Duration requestTimeout;

    public BedrockHttpTarget(URI endpoint, String modelId, Duration requestTimeout) {
        this.endpoint = endpoint;
        this.modelId = modelId;
        this.requestTimeout = requestTimeout;
        this.executor = Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, "http-client");
            t.setDaemon(true);
            return t;
        });
        this.client = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(10))
                .executor(executor)
                .build();
    }

    @Override
    public String name() {
        return "server";
    }

    @Override
    public Map<String, Object> describe() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("endpoint", endpoint.toString());
        m.put("model_id", modelId);
        m.put("protocol", "HTTP/1.1 (JDK HttpClient)");
        return m;
    }

    /** The Llama 2 request body. */
    static byte[] body(Workload w) {
        ObjectNode b = JSON.createObjectNode();
        b.put("prompt", w.prompt());
        b.put("temperature", 0);
        b.put("max_gen_len", w.outputTokens());
        return b.toString().getBytes(StandardCharsets.UTF_8);
    }

    private URI uri(boolean stream) {
        String id = URLEncoder.encode(modelId, StandardCharsets.UTF_8).replace("+", "%20");
        String base = endpoint.toString().replaceAll("/+$", "");
        return URI.create(base + "/model/" + id + (stream ? "/invoke-with-response-stream" : "/invoke"));
    }

    @Override
    public void run(Workload w, RequestSample s) {
        HttpRequest req = HttpRequest.newBuilder(uri(w.stream()))
                .timeout(requestTimeout)
                .header("Content-Type", "application/json")
                .header("Accept", w.stream() ? "application/vnd.amazon.eventstream" : "application/json")
                .POST(HttpRequest.BodyPublishers.ofByteArray(body(w)))
                .build();
        try {
            if (w.stream()) {
                stream(req, s);
            } else {
                unary(req, s);
            }
        } catch (IOException e) {
            s.fail("I/O: " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            s.fail("interrupted");
        } catch (RuntimeException e) {
            s.fail(e.getClass().getSimpleName() + ": " + e.getMessage());
        } finally {
            s.end(System.nanoTime());
        }
    }

    private void unary(HttpRequest req, RequestSample s) throws IOException, InterruptedException {
        HttpResponse<byte[]> r = client.send(req, HttpResponse.BodyHandlers.ofByteArray());
        if (r.statusCode() != 200) {
            s.fail(httpError(r.statusCode(), r.headers().firstValue("x-amzn-ErrorType").orElse(""), r.body()));
            return;
        }
        JsonNode body = JSON.readTree(r.body());
        s.outputTokens(body.path("generation_token_count").asInt());
        s.promptTokens(body.path("prompt_token_count").asInt(-1));
    }

    private void stream(HttpRequest req, RequestSample s) throws IOException, InterruptedException {
        HttpResponse<InputStream> r = client.send(req, HttpResponse.BodyHandlers.ofInputStream());
        try (InputStream in = r.body()) {
            if (r.statusCode() != 200) {
                s.fail(httpError(r.statusCode(), r.headers().firstValue("x-amzn-ErrorType").orElse(""),
                        in.readAllBytes()));
                return;
            }
            EventStreamDecoder decoder = new EventStreamDecoder();
            byte[] buf = new byte[16384];
            boolean finished = false;
            int n;
            while ((n = in.read(buf)) > 0) {
                long now = System.nanoTime();
                List<EventStreamMessage> messages = decoder.feed(buf, 0, n);
                for (EventStreamMessage m : messages) {
                    if (!"event".equals(m.messageType())) {
                        s.fail("stream " + m.messageType() + " " + m.exceptionType() + ": " + m.payloadAsString());
                        continue;
                    }
                    if (!"chunk".equals(m.eventType())) {
                        continue;
                    }
                    JsonNode chunk = JSON.readTree(m.chunkBytes());
                    if (chunk.path("prompt_token_count").isInt()) {
                        s.promptTokens(chunk.get("prompt_token_count").asInt());
                    }
                    s.tokensAt(now, chunk.path("generation_token_count").asInt());
                    if (chunk.hasNonNull("stop_reason")) {
                        finished = true;
                    }
                }
            }
            decoder.finish();
            if (!finished) {
                s.fail("stream ended without a stop_reason");
            }
        }
    }

    private static String httpError(int status, String type, byte[] body) {
        String text = new String(body, StandardCharsets.UTF_8);
        String message = text;
        try {
            JsonNode n = JSON.readTree(body);
            if (n.has("message")) {
                message = n.get("message").asText();
            }
        } catch (IOException | RuntimeException ignored) {
            // not JSON: keep the text
        }
        if (message.length() > 200) {
            message = message.substring(0, 200) + "…";
        }
        return "HTTP " + status + (type.isEmpty() ? "" : " " + type) + ": " + message;
    }

    @Override
    public void close() {
        executor.shutdownNow();
    }
}
