// Calls a server in `auth: sigv4` mode with the unchanged AWS SDK for JavaScript v3 (HTTP/2: h2c with prior
// knowledge over http://, ALPN h2 over https://; for https, NODE_EXTRA_CA_CERTS names the server's certificate).
// Usage: KEY_ID=AKIA... SECRET=... node sigv4-test.mjs ENDPOINT MODEL_ID
// A key whose policy allows InvokeModel and InvokeModelWithResponseStream on MODEL_ID must be given. Prints the
// greedy generation as `generation: <JSON string>` and exits non-zero, printing what failed, on the first broken
// expectation.
import {
  BedrockRuntimeClient,
  InvokeModelCommand,
  InvokeModelWithResponseStreamCommand,
} from "@aws-sdk/client-bedrock-runtime";
import assert from "node:assert/strict";

const [endpoint, modelId] = process.argv.slice(2);
const client = (secretAccessKey) => new BedrockRuntimeClient({
  endpoint,
  region: "us-east-1",
  credentials: { accessKeyId: process.env.KEY_ID, secretAccessKey },
  maxAttempts: 1,
});
const body = new TextEncoder().encode(JSON.stringify({ prompt: "Hello world", temperature: 0, max_gen_len: 12 }));

const signed = client(process.env.SECRET);
const unary = await signed.send(new InvokeModelCommand({ modelId, body, contentType: "application/json" }));
const result = JSON.parse(new TextDecoder().decode(unary.body));
assert.equal(typeof result.generation, "string");
assert.ok(result.generation_token_count >= 1);

const streamed = await signed.send(new InvokeModelWithResponseStreamCommand({ modelId, body }));
let text = "";
for await (const event of streamed.body) {
  assert.ok(event.chunk, "every event is a chunk: " + JSON.stringify(event));
  text += JSON.parse(new TextDecoder().decode(event.chunk.bytes)).generation;
}
assert.equal(text, result.generation, "the stream concatenates to the unary generation");
signed.destroy();

// The same key id with a wrong secret: the signature does not match, on both operations.
const forged = client(process.env.SECRET.slice(0, -1) + (process.env.SECRET.endsWith("A") ? "B" : "A"));
const isInvalidSignature = (e) => {
  assert.equal(e.name, "InvalidSignatureException", String(e));
  assert.equal(e.$metadata.httpStatusCode, 403);
  assert.match(e.message, /signature/i);
  return true;
};
await assert.rejects(forged.send(new InvokeModelCommand({ modelId, body })), isInvalidSignature);
await assert.rejects(forged.send(new InvokeModelWithResponseStreamCommand({ modelId, body })), isInvalidSignature);
forged.destroy();

console.log("generation: " + JSON.stringify(result.generation));
console.log("js-sdk sigv4: all checks passed over " + new URL(endpoint).protocol.replace(":", ""));
