// Every Bedrock family through the unchanged AWS SDK for JavaScript v3 (HTTP/2 by default).
// Usage: node families-test.mjs http://127.0.0.1:PORT
// Expects the ids of FamiliesSdkEndToEndTest: amazon.titan-text-express-v1, anthropic.claude-v2, ai21.j2-mid-v1,
// cohere.command-text-v14, cohere.embed-english-v3. Exits non-zero, printing what failed, on the first broken check.
import {
  BedrockRuntimeClient,
  InvokeModelCommand,
  InvokeModelWithResponseStreamCommand,
  ValidationException,
} from "@aws-sdk/client-bedrock-runtime";
import assert from "node:assert/strict";

const [endpoint] = process.argv.slice(2);
const client = new BedrockRuntimeClient({
  endpoint,
  region: "us-east-1",
  credentials: { accessKeyId: "AKIDEXAMPLE", secretAccessKey: "not-a-secret" },
  maxAttempts: 1,
});
const encode = (o) => new TextEncoder().encode(JSON.stringify(o));
const decode = (bytes) => JSON.parse(new TextDecoder().decode(bytes));

async function invoke(modelId, request) {
  const response = await client.send(new InvokeModelCommand({
    modelId, contentType: "application/json", accept: "application/json", body: encode(request),
  }));
  assert.equal(response.contentType, "application/json");
  return decode(response.body);
}

async function stream(modelId, request) {
  const response = await client.send(new InvokeModelWithResponseStreamCommand({ modelId, body: encode(request) }));
  const chunks = [];
  for await (const event of response.body) {
    assert.ok(event.chunk, "every event is a chunk: " + JSON.stringify(event));
    chunks.push(decode(event.chunk.bytes));
  }
  assert.ok(chunks.length >= 1);
  const metrics = chunks[chunks.length - 1]["amazon-bedrock-invocationMetrics"];
  assert.ok(metrics && Number.isInteger(metrics.outputTokenCount), "metrics on the last chunk");
  chunks.slice(0, -1).forEach((c) => assert.ok(!("amazon-bedrock-invocationMetrics" in c)));
  return chunks;
}

// Titan Text: streamed outputText adds up to the unary text; only the last chunk has the reason.
const titanBody = { inputText: "User: Hello\nBot:", textGenerationConfig: { temperature: 0, maxTokenCount: 10 } };
const titan = await invoke("amazon.titan-text-express-v1", titanBody);
assert.ok(["FINISH", "LENGTH"].includes(titan.results[0].completionReason));
const titanChunks = await stream("amazon.titan-text-express-v1", titanBody);
assert.equal(titanChunks.map((c) => c.outputText).join(""), titan.results[0].outputText);
assert.equal(titanChunks[titanChunks.length - 1].completionReason, titan.results[0].completionReason);
titanChunks.slice(0, -1).forEach((c) => assert.equal(c.completionReason, null));

// Claude text completions.
const claudeBody = { prompt: "\n\nHuman: Hello\n\nAssistant:", max_tokens_to_sample: 10, temperature: 0 };
const claude = await invoke("anthropic.claude-v2", claudeBody);
assert.ok(["stop_sequence", "max_tokens"].includes(claude.stop_reason));
const claudeChunks = await stream("anthropic.claude-v2", claudeBody);
assert.equal(claudeChunks.map((c) => c.completion).join(""), claude.completion);
await assert.rejects(invoke("anthropic.claude-v2", { prompt: "Hello", max_tokens_to_sample: 5 }),
  (e) => e instanceof ValidationException && /Human:/.test(e.message));
await assert.rejects(invoke("anthropic.claude-v2", { prompt: "\n\nHuman: x\n\nAssistant:" }),
  (e) => e instanceof ValidationException && /max_tokens_to_sample/.test(e.message));

// Jurassic-2: InvokeModel only.
const j2Body = { prompt: "Translate to spanish: hello", maxTokens: 10, temperature: 0 };
const j2 = await invoke("ai21.j2-mid-v1", j2Body);
assert.equal(typeof j2.completions[0].data.text, "string");
assert.ok(["endoftext", "length", "stop"].includes(j2.completions[0].finishReason.reason));
await assert.rejects(stream("ai21.j2-mid-v1", j2Body),
  (e) => e instanceof ValidationException && /unsupported for streaming/.test(e.message));

// Cohere Command: flat stream chunks with is_finished on every one.
const cohereBody = { prompt: "How do you tie a tie?", max_tokens: 10, temperature: 0 };
const cohere = await invoke("cohere.command-text-v14", cohereBody);
assert.equal(cohere.prompt, cohereBody.prompt);
const cohereChunks = await stream("cohere.command-text-v14", { ...cohereBody, stream: true });
cohereChunks.forEach((c) => assert.equal(typeof c.is_finished, "boolean"));
assert.equal(cohereChunks.map((c) => c.text ?? "").join(""), cohere.generations[0].text);
assert.equal(cohereChunks[cohereChunks.length - 1].finish_reason, cohere.generations[0].finish_reason);
await assert.rejects(invoke("cohere.command-text-v14", { prompt: "x", num_generations: 6 }),
  (e) => e instanceof ValidationException && /num_generations/.test(e.message));

// Cohere Embed.
const embed = await invoke("cohere.embed-english-v3", { texts: ["a cat", "a kitten"], input_type: "search_document" });
assert.equal(embed.response_type, "embeddings_floats");
assert.equal(embed.embeddings.length, 2);
assert.deepEqual(embed.texts, ["a cat", "a kitten"]);
await assert.rejects(invoke("cohere.embed-english-v3", { texts: ["x"] }),
  (e) => e instanceof ValidationException && /input_type/.test(e.message));

client.destroy();
console.log("js-sdk families: all checks passed");
