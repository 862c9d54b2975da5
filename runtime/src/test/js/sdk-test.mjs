// Calls the server with the unchanged AWS SDK for JavaScript v3. Its BedrockRuntimeClient talks HTTP/2 (h2c with
// prior knowledge) by default. Usage: node sdk-test.mjs http://127.0.0.1:PORT MODEL_ID [EMBEDDING_MODEL_ID]
// MODEL_ID is a Llama 2 text model; the optional EMBEDDING_MODEL_ID a Titan Embeddings model, checked as well.
// Exits non-zero, printing what failed, on the first broken expectation.
import {
  BedrockRuntimeClient,
  InvokeModelCommand,
  InvokeModelWithResponseStreamCommand,
  ResourceNotFoundException,
  ValidationException,
} from "@aws-sdk/client-bedrock-runtime";
import assert from "node:assert/strict";

const [endpoint, modelId, embedModelId] = process.argv.slice(2);
const client = new BedrockRuntimeClient({
  endpoint,
  region: "us-east-1",
  credentials: { accessKeyId: "AKIDEXAMPLE", secretAccessKey: "not-a-secret" },
  maxAttempts: 1,
});
const body = (o) => new TextEncoder().encode(JSON.stringify(o));
const request = { prompt: "Hello world", temperature: 0, max_gen_len: 12 };

// InvokeModel
const unary = await client.send(new InvokeModelCommand({ modelId, body: body(request) }));
const result = JSON.parse(new TextDecoder().decode(unary.body));
assert.equal(unary.contentType, "application/json");
assert.ok(unary.$metadata.requestId, "x-amzn-RequestId is exposed as $metadata.requestId");
assert.equal(typeof result.generation, "string");
assert.equal(result.prompt_token_count, 3);
assert.ok(result.generation_token_count >= 1 && result.generation_token_count <= 12);
assert.ok(["stop", "length"].includes(result.stop_reason));

// InvokeModelWithResponseStream: chunks concatenate to the same greedy text.
const streamed = await client.send(new InvokeModelWithResponseStreamCommand({ modelId, body: body(request) }));
assert.equal(streamed.contentType, "application/json");
let text = "";
let last;
let chunks = 0;
for await (const event of streamed.body) {
  assert.ok(event.chunk, "every event is a chunk: " + JSON.stringify(event));
  last = JSON.parse(new TextDecoder().decode(event.chunk.bytes));
  text += last.generation;
  chunks++;
}
assert.ok(chunks >= 1);
assert.equal(text, result.generation);
assert.equal(last.stop_reason, result.stop_reason);
const metrics = last["amazon-bedrock-invocationMetrics"];
assert.equal(metrics.inputTokenCount, 3);
assert.equal(metrics.outputTokenCount, result.generation_token_count);

// A foundation-model ARN names the same model.
const arn = `arn:aws:bedrock:us-east-1::foundation-model/${modelId}`;
const viaArn = await client.send(new InvokeModelCommand({ modelId: arn, body: body(request) }));
assert.equal(JSON.parse(new TextDecoder().decode(viaArn.body)).generation, result.generation);

// Typed errors.
await assert.rejects(
  client.send(new InvokeModelCommand({ modelId: "meta.no-such-model-v1", body: body(request) })),
  (e) => e instanceof ResourceNotFoundException && e.$metadata.httpStatusCode === 404);
await assert.rejects(
  client.send(new InvokeModelCommand({ modelId, body: body({ prompt: "x", temperature: 7 }) })),
  (e) => e instanceof ValidationException && /temperature/.test(e.message) && /0 to 1/.test(e.message));
await assert.rejects(
  client.send(new InvokeModelWithResponseStreamCommand({ modelId, body: body({ prompt: "x", temperature: 7 }) })),
  (e) => e instanceof ValidationException);

// Titan Embeddings: InvokeModel only, {"inputText"} in, {"embedding","inputTextTokenCount"} out.
if (embedModelId) {
  const embed = async (inputText) => {
    const response = await client.send(new InvokeModelCommand({
      modelId: embedModelId, contentType: "application/json", accept: "application/json", body: body({ inputText }),
    }));
    assert.equal(response.contentType, "application/json");
    assert.ok(response.$metadata.requestId);
    const json = JSON.parse(new TextDecoder().decode(response.body));
    assert.deepEqual(Object.keys(json), ["embedding", "inputTextTokenCount"]);
    assert.ok(Number.isInteger(json.inputTextTokenCount) && json.inputTextTokenCount > 0);
    assert.ok(json.embedding.length > 0 && json.embedding.every(Number.isFinite));
    return json.embedding;
  };
  const dot = (a, b) => a.reduce((sum, x, i) => sum + x * b[i], 0);
  const cosine = (a, b) => dot(a, b) / Math.sqrt(dot(a, a) * dot(b, b));
  const [cat, kitten, truck] = [await embed("a cat"), await embed("a kitten"), await embed("a truck")];
  assert.equal(kitten.length, cat.length);
  assert.ok(Math.abs(Math.sqrt(dot(cat, cat)) - 1) < 1e-3, "unit length");
  assert.ok(cosine(cat, kitten) > cosine(cat, truck), "a cat is closer to a kitten than to a truck");
  await assert.rejects(
    client.send(new InvokeModelCommand({ modelId: embedModelId, body: body({ inputText: "" }) })),
    (e) => e instanceof ValidationException && /inputText/.test(e.message));
  await assert.rejects(
    client.send(new InvokeModelCommand({ modelId: embedModelId, body: body({ prompt: "a cat" }) })),
    (e) => e instanceof ValidationException && /inputText/.test(e.message) && /prompt/.test(e.message));
  await assert.rejects(
    client.send(new InvokeModelWithResponseStreamCommand({ modelId: embedModelId, body: body({ inputText: "x" }) })),
    (e) => e instanceof ValidationException && /unsupported for streaming/.test(e.message));
}

client.destroy();
console.log("js-sdk: all checks passed over " + (process.env.NODE_HTTP1 ? "HTTP/1.1" : "HTTP/2")
  + (embedModelId ? ", embeddings included" : ""));
