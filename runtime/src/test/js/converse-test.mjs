// Converse and ConverseStream with the unchanged AWS SDK for JavaScript v3 (HTTP/2, h2c with prior knowledge, by
// default). Usage: node converse-test.mjs http://127.0.0.1:PORT MODEL_ID [MODEL_ID...]
// Each MODEL_ID is a text model served with random weights: the checks are on structure (roles, stop reasons,
// token counts, what the stream adds up to, tool input against its schema), never on wording.
// Exits non-zero, printing what failed, on the first broken expectation.
import {
  BedrockRuntimeClient,
  ConverseCommand,
  ConverseStreamCommand,
  ResourceNotFoundException,
  ValidationException,
} from "@aws-sdk/client-bedrock-runtime";
import assert from "node:assert/strict";

const [endpoint, ...modelIds] = process.argv.slice(2);
const client = new BedrockRuntimeClient({
  endpoint,
  region: "us-east-1",
  credentials: { accessKeyId: "AKIDEXAMPLE", secretAccessKey: "not-a-secret" },
  maxAttempts: 1,
});
const user = (text) => ({ role: "user", content: [{ text }] });
const assistant = (text) => ({ role: "assistant", content: [{ text }] });
const greedy = (maxTokens, more = {}) => ({ maxTokens, temperature: 0, ...more });
const textOf = (response) => response.output.message.content.map((b) => b.text ?? "").join("");

// Short and bounded (enums, a boolean, a string with maxLength), so a call fits in a few dozen tokens.
const weatherSchema = {
  type: "object",
  properties: {
    city: { type: "string", maxLength: 12 },
    unit: { type: "string", enum: ["celsius", "fahrenheit"] },
    hourly: { type: "boolean" },
  },
  required: ["city", "unit", "hourly"],
  additionalProperties: false,
};
const weatherTools = (toolChoice) => ({
  tools: [{ toolSpec: { name: "get_weather", description: "The weather forecast for a city",
    inputSchema: { json: weatherSchema } } }],
  toolChoice,
});

// The keywords weatherSchema uses, checked independently of the server's grammar.
function assertMatchesSchema(value, schema, at = "input") {
  if (schema.enum) assert.ok(schema.enum.includes(value), `${at}: ${JSON.stringify(value)} not in ${schema.enum}`);
  switch (schema.type) {
    case "object":
      assert.ok(value !== null && typeof value === "object" && !Array.isArray(value), `${at} is an object`);
      for (const key of schema.required ?? []) assert.ok(key in value, `${at}.${key} is required`);
      for (const [key, v] of Object.entries(value)) {
        if (schema.properties?.[key]) assertMatchesSchema(v, schema.properties[key], `${at}.${key}`);
        else assert.notEqual(schema.additionalProperties, false, `${at}.${key} is not a property`);
      }
      break;
    case "string":
      assert.equal(typeof value, "string", `${at} is a string`);
      if (schema.maxLength !== undefined) assert.ok([...value].length <= schema.maxLength, `${at} maxLength`);
      break;
    case "boolean":
      assert.equal(typeof value, "boolean", `${at} is a boolean`);
      break;
    default:
      throw new Error(`unchecked schema type ${schema.type}`);
  }
}

function assertTextTurn(response, maxTokens) {
  assert.equal(response.output.message.role, "assistant");
  assert.ok(textOf(response).length > 0, JSON.stringify(response.output));
  assert.ok(["end_turn", "max_tokens"].includes(response.stopReason), response.stopReason);
  const { inputTokens, outputTokens, totalTokens } = response.usage;
  assert.ok(inputTokens > 0 && outputTokens > 0 && outputTokens <= maxTokens, JSON.stringify(response.usage));
  assert.equal(totalTokens, inputTokens + outputTokens);
  assert.equal(typeof response.metrics.latencyMs, "number");
}

// Two characters of text whose first occurrence leaves non-blank text before it; for a text that repeats one
// character (random weights can), its first two, which cut the turn to nothing.
function stopSequenceInside(text) {
  const chars = [...text];
  for (let at = 1; at + 2 <= chars.length; at++) {
    const stop = chars[at] + chars[at + 1];
    if (stop.trim().length === 2 && !stop.includes("\uFFFD") && text.slice(0, text.indexOf(stop)).trim()) {
      return stop;
    }
  }
  if (chars.length >= 2 && (chars[0] + chars[1]).trim()) {
    return chars[0] + chars[1];
  }
  throw new Error("no stop sequence inside " + JSON.stringify(text));
}

async function converseStream(input) {
  const response = await client.send(new ConverseStreamCommand(input));
  const seen = { events: [], text: "", toolInput: "", toolNames: [] };
  for await (const event of response.stream) {
    const [name] = Object.keys(event);
    seen.events.push(name);
    if (event.messageStart) assert.equal(event.messageStart.role, "assistant");
    if (event.contentBlockStart?.start?.toolUse) seen.toolNames.push(event.contentBlockStart.start.toolUse.name);
    if (event.contentBlockDelta?.delta?.text !== undefined) seen.text += event.contentBlockDelta.delta.text;
    if (event.contentBlockDelta?.delta?.toolUse) seen.toolInput += event.contentBlockDelta.delta.toolUse.input;
    if (event.messageStop) seen.stop = event.messageStop;
    if (event.metadata) seen.metadata = event.metadata;
  }
  return seen;
}

for (const modelId of modelIds) {
  const system = [{ text: "You are terse." }];

  // Multi-turn with a system prompt: both are in the prompt.
  const one = await client.send(new ConverseCommand({ modelId, messages: [user("Hello there")],
    inferenceConfig: greedy(8) }));
  const withSystem = await client.send(new ConverseCommand({ modelId, system, messages: [user("Hello there")],
    inferenceConfig: greedy(8) }));
  const turns = await client.send(new ConverseCommand({ modelId, system,
    messages: [user("Hello there"), assistant(textOf(withSystem)), user("And then?")], inferenceConfig: greedy(8) }));
  for (const r of [one, withSystem, turns]) assertTextTurn(r, 8);
  assert.ok(withSystem.usage.inputTokens > one.usage.inputTokens, "the system prompt is read");
  assert.ok(turns.usage.inputTokens > withSystem.usage.inputTokens, "earlier turns are read");

  // Stop sequences: the turn ends before the first one, with stopReason stop_sequence.
  const unstopped = await client.send(new ConverseCommand({ modelId, messages: [user("Hello world")],
    inferenceConfig: greedy(16) }));
  const cut = textOf(unstopped);
  const stop = stopSequenceInside(cut);
  const stopped = await client.send(new ConverseCommand({ modelId, messages: [user("Hello world")],
    inferenceConfig: greedy(16, { stopSequences: [stop] }) }));
  assert.equal(stopped.stopReason, "stop_sequence");
  assert.equal(textOf(stopped), cut.slice(0, cut.indexOf(stop)), `cut at ${JSON.stringify(stop)}`);

  // ConverseStream: the events in Bedrock's order, adding up to the unary (greedy) answer.
  const streamed = await converseStream({ modelId, system, messages: [user("Hello there")],
    inferenceConfig: greedy(8) });
  assert.equal(streamed.events[0], "messageStart", streamed.events.join());
  assert.equal(streamed.events.at(-2), "messageStop", streamed.events.join());
  assert.equal(streamed.events.at(-1), "metadata", streamed.events.join());
  assert.ok(streamed.events.includes("contentBlockDelta"), streamed.events.join());
  assert.equal(streamed.text, textOf(withSystem));
  assert.equal(streamed.stop.stopReason, withSystem.stopReason);
  assert.deepEqual(streamed.metadata.usage, withSystem.usage);
  assert.equal(typeof streamed.metadata.metrics.latencyMs, "number");

  // A forced tool call: constrained decoding makes its input valid for the schema; its result is then answered.
  const call = await client.send(new ConverseCommand({ modelId, messages: [user("Weather in Paris?")],
    toolConfig: weatherTools({ tool: { name: "get_weather" } }), inferenceConfig: greedy(200) }));
  assert.equal(call.stopReason, "tool_use", JSON.stringify(call.output));
  const use = call.output.message.content.find((b) => b.toolUse)?.toolUse;
  assert.ok(use, JSON.stringify(call.output));
  assert.equal(use.name, "get_weather");
  assert.ok(use.toolUseId);
  assertMatchesSchema(use.input, weatherSchema);
  const answer = await client.send(new ConverseCommand({ modelId,
    messages: [user("Weather in Paris?"), call.output.message,
      { role: "user", content: [{ toolResult: { toolUseId: use.toolUseId, content: [{ text: "18 degrees" }] } }] }],
    toolConfig: weatherTools({ auto: {} }), inferenceConfig: greedy(8) }));
  assert.ok(["end_turn", "max_tokens", "tool_use"].includes(answer.stopReason), answer.stopReason);
  assert.ok(answer.usage.inputTokens > call.usage.inputTokens, "the call and its result are read");

  // The same call streamed: its input arrives as fragments that add up to valid JSON.
  const streamedCall = await converseStream({ modelId, messages: [user("Weather in Paris?")],
    toolConfig: weatherTools({ any: {} }), inferenceConfig: greedy(200) });
  assert.equal(streamedCall.stop.stopReason, "tool_use");
  assert.deepEqual(streamedCall.toolNames, ["get_weather"]);
  assertMatchesSchema(JSON.parse(streamedCall.toolInput), weatherSchema);
  console.log(`${modelId}: converse checks passed`);
}

// Typed errors.
await assert.rejects(client.send(new ConverseCommand({ modelId: modelIds[0],
  messages: [assistant("I speak first"), user("Hello")] })), (e) => {
  assert.ok(e instanceof ValidationException, String(e));
  assert.equal(e.$metadata.httpStatusCode, 400);
  assert.ok(e.message.startsWith("A conversation must start with a user message."), e.message);
  return true;
});
await assert.rejects(client.send(new ConverseCommand({ modelId: modelIds[0], messages: [user("Hello")],
  inferenceConfig: { maxTokens: 0 } })), (e) => {
  assert.ok(e instanceof ValidationException, String(e));
  assert.ok(e.message.includes("'inferenceConfig.maxTokens'"), e.message);
  return true;
});
await assert.rejects(client.send(new ConverseCommand({ modelId: "meta.no-such-model-v1",
  messages: [user("Hello")] })), (e) => e instanceof ResourceNotFoundException);
console.log("all converse checks passed");
