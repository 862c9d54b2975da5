// Calls the server with the unchanged AWS SDK for JavaScript v3. Its BedrockRuntimeClient talks HTTP/2 (h2c with
// prior knowledge) by default. Usage: node sdk-test.mjs http://127.0.0.1:PORT MODEL_ID
// Exits non-zero, printing what failed, on the first broken expectation.
import {
  BedrockRuntimeClient,
  InvokeModelCommand,
  InvokeModelWithResponseStreamCommand,
  ResourceNotFoundException,
  ValidationException,
} from "@aws-sdk/client-bedrock-runtime";
import assert from "node:assert/strict";

const [endpoint, modelId] = process.argv.slice(2);
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

client.destroy();
console.log("js-sdk: all checks passed over " + (process.env.NODE_HTTP1 ? "HTTP/1.1" : "HTTP/2"));
