// The console's one Alpine component. It calls only the server's public APIs: ListFoundationModels, the family body
// tables (GET /local-bedrock/body-shapes/{modelId}, the codecs' own ranges and defaults), InvokeModel and
// InvokeModelWithResponseStream, and the model-access endpoints; what it does, an SDK can do.
"use strict";

function consoleApp() {
  const get = (object, path) => path.split(".").reduce((o, k) => (o == null ? undefined : o[k]), object);
  const put = (object, path, value) => {
    const keys = path.split(".");
    let o = object;
    for (const k of keys.slice(0, -1)) {
      o = o[k] = o[k] || {};
    }
    o[keys[keys.length - 1]] = value;
  };

  async function awsError(response) {
    let message = response.statusText;
    try {
      const body = await response.json();
      message = body.message || body.Message || message;
    } catch (e) {
      // not JSON: keep the status text
    }
    const type = response.headers.get("x-amzn-ErrorType") || String(response.status);
    return type.split(":")[0] + ": " + message;
  }

  return {
    page: "text",
    error: "",
    models: [],
    modelId: "",
    shape: null,
    values: {},
    prompt: "",
    completion: "",
    status: "",
    stats: null,
    running: false,
    controller: null,
    showRequest: false,
    access: null,

    get textModels() {
      return this.models.filter((m) => (m.inputModalities || []).includes("TEXT")
          && (m.outputModalities || []).includes("TEXT"));
    },

    async start() {
      const route = () => {
        this.page = (location.hash || "#text").slice(1);
        if (this.page === "access") {
          this.loadAccess();
        }
      };
      window.addEventListener("hashchange", route);
      route();
      await this.loadModels();
    },

    async loadModels() {
      const response = await fetch("../foundation-models");
      if (!response.ok) {
        this.error = "ListFoundationModels failed: " + (await awsError(response));
        return;
      }
      this.models = (await response.json()).modelSummaries || [];
      if (this.textModels.length > 0) {
        this.modelId = this.textModels[0].modelId;
        await this.chooseModel();
      }
    },

    async chooseModel() {
      try {
        await this.loadShape();
      } catch (e) {
        this.error = "The body table of " + this.modelId + " could not be used: " + (e.message || e);
      }
    },

    async loadShape() {
      this.shape = null;
      const response = await fetch("../local-bedrock/body-shapes/" + encodeURIComponent(this.modelId));
      if (!response.ok) {
        this.error = "The body table of " + this.modelId + " could not be read: " + (await awsError(response));
        return;
      }
      const shape = await response.json();
      const values = {};
      for (const p of shape.parameters) {
        // A required row has no default (Claude's max_tokens_to_sample): start it where the guide's examples do.
        const start = p.required && p.default == null ? Math.min(p.max == null ? 200 : p.max, 200) : p.default;
        values[p.path] = start == null ? "" : (Array.isArray(start) ? start.join(", ") : start);
      }
      this.values = values;
      this.shape = shape;
      this.error = "";
    },

    controlId(p) {
      return "param-" + p.path.replace(/[^A-Za-z0-9]/g, "-");
    },

    help(p) {
      const range = p.min != null && p.max != null ? p.min + " to " + p.max
          : p.min != null ? "at least " + p.min : p.max != null ? "at most " + p.max : "";
      const parts = [p.description && p.description.replace(/\.$/, ""), range && "range " + range, p.default != null && "default " + p.default,
        p.kind === "string_list" && "comma-separated", p.kind === "number_map" && "a JSON object"];
      return parts.filter(Boolean).join("; ");
    },

    /** The body exactly as it is sent: the prompt, then each parameter that has a value, typed as the table says. */
    requestBody() {
      const body = {};
      if (!this.shape) {
        return body;
      }
      put(body, this.shape.promptPath, this.prompt);
      for (const p of this.shape.parameters) {
        const raw = this.values[p.path];
        if (raw === "" || raw == null) {
          continue;
        }
        let value = raw;
        if (p.kind === "number") {
          value = Number(raw);
        } else if (p.kind === "integer") {
          value = parseInt(raw, 10);
        } else if (p.kind === "boolean") {
          value = Boolean(raw);
        } else if (p.kind === "string_list") {
          value = String(raw).split(",").map((s) => s.trim()).filter((s) => s.length > 0);
          if (value.length === 0) {
            continue;
          }
        } else if (p.kind === "number_map") {
          try {
            value = JSON.parse(raw); // e.g. {"15043": 2.5}; the server names a bad key or value
          } catch (e) {
            value = raw;
          }
        }
        put(body, p.path, value);
      }
      return body;
    },

    requestJson() {
      return JSON.stringify(this.requestBody(), null, 2);
    },

    streaming() {
      return !this.shape || this.shape.streams !== false;
    },

    cliCall() {
      const body = JSON.stringify(this.requestBody()).replace(/'/g, "'\\''");
      const op = this.streaming() ? "invoke-model-with-response-stream" : "invoke-model";
      return "aws bedrock-runtime " + op + " \\\n  --endpoint-url " + location.origin + " \\\n  --model-id "
          + this.modelId + " \\\n  --content-type application/json \\\n  --cli-binary-format raw-in-base64-out"
          + " \\\n  --body '" + body + "' \\\n  " + (this.streaming() ? "/dev/stdout" : "response.json");
    },

    boto3Call() {
      const op = this.streaming() ? "invoke_model_with_response_stream" : "invoke_model";
      return "import boto3, json\n\nclient = boto3.client(\"bedrock-runtime\", endpoint_url=\"" + location.origin
          + "\")\nresponse = client." + op + "(\n    modelId=\"" + this.modelId + "\",\n    contentType=\"application/json\",\n"
          + "    body=json.dumps(" + JSON.stringify(this.requestBody()) + "),\n)";
    },

    javaCall() {
      const json = JSON.stringify(JSON.stringify(this.requestBody()));
      const op = this.streaming() ? "invokeModelWithResponseStream" : "invokeModel";
      return "BedrockRuntime" + (this.streaming() ? "Async" : "") + "Client client = BedrockRuntime"
          + (this.streaming() ? "Async" : "") + "Client.builder()\n        .endpointOverride(URI.create(\""
          + location.origin + "\")).build();\nclient." + op + "(r -> r.modelId(\"" + this.modelId
          + "\").contentType(\"application/json\")\n        .body(SdkBytes.fromUtf8String(" + json + "))"
          + (this.streaming() ? ", handler" : "") + ");";
    },

    async run() {
      this.completion = "";
      this.stats = null;
      this.error = "";
      this.status = "Running…";
      this.running = true;
      this.controller = new AbortController();
      const started = performance.now();
      const stream = this.streaming();
      const path = "../model/" + encodeURIComponent(this.modelId) + (stream ? "/invoke-with-response-stream" : "/invoke");
      try {
        const response = await fetch(path, {
          method: "POST",
          headers: { "Content-Type": "application/json",
            "Accept": stream ? "application/vnd.amazon.eventstream" : "application/json" },
          body: JSON.stringify(this.requestBody()),
          signal: this.controller.signal,
        });
        if (!response.ok) {
          this.error = await awsError(response);
          this.status = "Failed";
          return;
        }
        if (!stream) {
          const answer = await response.json();
          this.completion = get(answer, this.shape.responseTextPath) || "";
        } else {
          await this.readStream(response);
        }
        if (!this.error) {
          this.status = "Done in " + Math.round(performance.now() - started) + " ms";
        }
      } catch (e) {
        if (e.name === "AbortError") {
          this.status = "Stopped";
        } else {
          this.error = String(e.message || e);
          this.status = "Failed";
        }
      } finally {
        this.running = false;
        this.controller = null;
      }
    },

    async readStream(response) {
      const reader = response.body.getReader();
      const decoder = new EventStream.Decoder();
      for (;;) {
        const { done, value } = await reader.read();
        if (done) {
          return;
        }
        for (const message of decoder.push(value)) {
          if (message.headers[":message-type"] === "exception") {
            const body = JSON.parse(new TextDecoder().decode(message.payload));
            this.error = message.headers[":exception-type"] + ": " + body.message;
            this.status = "Failed";
            continue;
          }
          const chunk = EventStream.chunkJson(message.payload);
          this.completion += get(chunk, this.shape.chunkTextPath) || "";
          const metrics = chunk["amazon-bedrock-invocationMetrics"];
          if (metrics) {
            this.stats = metrics;
          }
        }
      }
    },

    stop() {
      if (this.controller) {
        this.controller.abort(); // the server sees the stream closed, cancels the generation and frees its slot
      }
    },

    async loadAccess() {
      const response = await fetch("../local-bedrock/model-access");
      if (response.status === 404) {
        this.access = null;
        return;
      }
      if (!response.ok) {
        this.error = "Model access could not be read: " + (await awsError(response));
        return;
      }
      this.access = (await response.json()).modelAccess;
    },

    async setAccess(modelId, granted) {
      const response = await fetch("../local-bedrock/model-access/" + encodeURIComponent(modelId), {
        method: "PUT",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ granted }),
      });
      if (!response.ok) {
        this.error = "Changing access to " + modelId + " failed: " + (await awsError(response));
        return;
      }
      this.error = "";
      await this.loadAccess();
    },
  };
}
