// The console's one Alpine component. It calls only the server's public APIs: ListFoundationModels, the body tables
// (GET /local-bedrock/body-shapes/{modelId}: the codecs' own ranges and defaults), InvokeModel,
// InvokeModelWithResponseStream, ConverseStream, and the model-access endpoints; what it does, an SDK can do.
"use strict";

const ConsoleUtil = (() => {
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

  /** Each control's first value: the table's default (a required row without one starts where the guide's do). */
  function initialValues(shape) {
    const values = {};
    for (const p of shape.parameters) {
      const start = p.required && p.default == null ? Math.min(p.max == null ? 200 : p.max, 200) : p.default;
      values[p.path] = start == null ? "" : (Array.isArray(start) ? start.join(", ") : start);
    }
    return values;
  }

  /** Writes each parameter that has a value into {@code body}, typed as the table says. */
  function putParameters(body, shape, values) {
    for (const p of shape.parameters) {
      const raw = values[p.path];
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
  }

  /** Reads an event-stream response, calling {@code onEvent(eventType, payloadBytes)}; exceptions throw. */
  async function readEvents(response, onEvent) {
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
          throw new Error(message.headers[":exception-type"] + ": " + body.message);
        }
        onEvent(message.headers[":event-type"], message.payload);
      }
    }
  }

  const shellQuote = (text) => "'" + text.replace(/'/g, "'\\''") + "'";

  // Temporary credentials from the login (GetSessionToken), in memory only; null on an open server.
  let credentials = null;
  let onSignInNeeded = () => {};
  const SIGN_IN_ERRORS = ["MissingAuthenticationTokenException", "UnrecognizedClientException", "ExpiredTokenException"];

  /** fetch, signed with SigV4 when signed in; a refusal for want of credentials asks for the login. */
  async function call(url, init = {}) {
    const absolute = new URL(url, location.href).href;
    const headers = Object.assign({}, init.headers || {});
    if (credentials) {
      const service = new URL(absolute).pathname === "/" ? "sts" : "bedrock";
      Object.assign(headers, await SigV4.sign(credentials, init.method || "GET", absolute, init.body || "", service));
    }
    const response = await fetch(absolute, Object.assign({}, init, { headers }));
    if (response.status === 403 && SIGN_IN_ERRORS.includes((response.headers.get("x-amzn-ErrorType") || "")
        .split(":")[0])) {
      onSignInNeeded();
    }
    return response;
  }

  /**
   * Turns an access key pair into temporary credentials with STS GetSessionToken (signed with the pair), keeps only
   * those, and returns their expiry. The long-term secret is not kept anywhere.
   */
  async function signIn(accessKeyId, secretAccessKey) {
    credentials = { accessKeyId, secretAccessKey };
    try {
      const response = await call("../", { method: "POST",
        headers: { "Content-Type": "application/x-www-form-urlencoded" },
        body: "Action=GetSessionToken&Version=2011-06-15&DurationSeconds=3600" });
      const text = await response.text();
      const xml = new DOMParser().parseFromString(text, "application/xml");
      const field = (name) => (xml.getElementsByTagName(name)[0] || {}).textContent;
      if (!response.ok) {
        throw new Error((field("Code") || response.status) + ": " + (field("Message") || text));
      }
      credentials = { accessKeyId: field("AccessKeyId"), secretAccessKey: field("SecretAccessKey"),
        sessionToken: field("SessionToken") };
      return field("Expiration");
    } catch (e) {
      credentials = null;
      throw e;
    }
  }

  function signOut() {
    credentials = null;
  }

  const whenSignInNeeded = (f) => {
    onSignInNeeded = f;
  };

  return { get, put, awsError, initialValues, putParameters, readEvents, shellQuote, call, signIn, signOut,
    whenSignInNeeded };
})();

function consoleApp() {
  const { get, awsError, initialValues, putParameters, readEvents, shellQuote, call } = ConsoleUtil;
  // The chart and its history stay outside Alpine's reactive data: uPlot keeps its own state and redraws itself.
  const tpsHistory = [[], []];
  let tpsChart = null;
  let lossChart = null;
  let modelsReady = null; // ListFoundationModels' answer, awaited by pages that need the models (examples)

  return Object.assign({
    page: "text",
    error: "",
    signInNeeded: false,
    signedInAs: "",
    loginKeyId: "",
    loginSecret: "",
    loginError: "",
    models: [],
    modelId: "",
    shapes: null,
    textValues: {},
    chatValues: {},
    prompt: "",
    completion: "",
    system: "",
    turns: [],
    draft: "",
    status: "",
    stats: null,
    running: false,
    controller: null,
    showRequest: false,
    streamResponse: true,
    access: null,
    examples: [],
    exampleCategory: "",
    exampleFamily: "",
    familyOfModel: {},
    familiesKnown: false,
    provisioned: [],
    ptModels: [],
    ptName: "",
    ptModel: "",
    ptUnits: 1,
    ptCommitment: "",
    ptBusy: false,
    ptTimer: null,
    jobs: [],
    job: null,
    jobMetrics: null,
    jobTimer: null,
    metricRows: [],
    metricsTimer: null,
    lastScrape: null,

    get textModels() {
      return this.models.filter((m) => (m.inputModalities || []).includes("TEXT")
          && (m.outputModalities || []).includes("TEXT"));
    },

    get imageModels() {
      return this.models.filter((m) => (m.outputModalities || []).includes("IMAGE"));
    },

    get chat() {
      return this.page === "chat";
    },

    /** The table the parameter panel shows: the completion body's, or Converse's inferenceConfig. */
    get shape() {
      if (!this.shapes) {
        return null;
      }
      return this.chat ? this.shapes.converse : this.shapes.text;
    },

    get params() {
      return this.chat ? this.chatValues : this.textValues;
    },

    async start() {
      ConsoleUtil.whenSignInNeeded(() => {
        this.signInNeeded = true;
      });
      modelsReady = this.loadModels();
      window.addEventListener("hashchange", () => this.routePage());
      this.routePage();
      await modelsReady;
    },

    routePage() {
      this.page = (location.hash || "#text").slice(1);
      this.showRequest = false;
      this.error = "";
      if (this.page === "access") {
        this.loadAccess();
      } else if (this.page === "jobs") {
        this.loadJobs();
      } else if (this.page === "metrics") {
        this.scrapeMetrics();
      } else if (this.page === "provisioned") {
        this.loadProvisioned();
      } else if (this.page === "examples") {
        this.loadExamples();
      } else if (this.page === "image") {
        this.loadImagePage();
      } else {
        this.explainMissingBody();
      }
    },

    /** The key pair becomes temporary credentials (STS); the form's secret is cleared whatever happens. */
    async signIn() {
      const secret = this.loginSecret;
      this.loginSecret = "";
      try {
        const expiry = await ConsoleUtil.signIn(this.loginKeyId.trim(), secret);
        this.signedInAs = this.loginKeyId.trim() + " (session until " + expiry + ")";
        this.signInNeeded = false;
        this.loginError = "";
        modelsReady = this.loadModels();
        this.routePage();
        await modelsReady;
      } catch (e) {
        this.loginError = "Sign-in failed: " + (e.message || e);
      }
    },

    signOut() {
      ConsoleUtil.signOut();
      this.signedInAs = "";
      this.signInNeeded = true;
    },

    /** Waits for ListFoundationModels' answer (for the pages that need the models). */
    async modelsLoaded() {
      await modelsReady;
    },

    async loadModels() {
      const response = await call("../foundation-models");
      if (!response.ok) {
        if (!this.signInNeeded) {
          this.error = "ListFoundationModels failed: " + (await awsError(response));
        }
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
        this.shapes = null;
        const response = await call("../local-bedrock/body-shapes/" + encodeURIComponent(this.modelId));
        if (!response.ok) {
          this.error = "The body tables of " + this.modelId + " could not be read: " + (await awsError(response));
          return;
        }
        const shapes = await response.json();
        this.textValues = shapes.text ? initialValues(shapes.text) : {};
        this.chatValues = shapes.converse ? initialValues(shapes.converse) : {};
        this.shapes = shapes;
        this.error = "";
        this.explainMissingBody();
      } catch (e) {
        this.error = "The body tables of " + this.modelId + " could not be used: " + (e.message || e);
      }
    },

    /** Says plainly when the chosen model has no body for this playground, rather than showing a dead form. */
    explainMissingBody() {
      if (this.shapes && (this.page === "text" || this.page === "chat") && !this.shape) {
        this.error = this.chat ? this.modelId + " has no Converse set up on this server."
            : this.modelId + " takes a chat body on InvokeModel: use the chat playground.";
      }
    },

    controlId(p) {
      return "param-" + p.path.replace(/[^A-Za-z0-9]/g, "-");
    },

    help(p) {
      const range = p.min != null && p.max != null ? p.min + " to " + p.max
          : p.min != null ? "at least " + p.min : p.max != null ? "at most " + p.max : "";
      const parts = [p.description && p.description.replace(/\.$/, ""), range && "range " + range,
        p.default != null && !(Array.isArray(p.default) && p.default.length === 0) && "default " + p.default,
        p.kind === "string_list" && "comma-separated", p.kind === "number_map" && "a JSON object"];
      return parts.filter(Boolean).join("; ");
    },

    /** Whether the family can stream at all (Jurassic-2 cannot). */
    canStream() {
      return this.chat || !this.shapes || !this.shapes.text || this.shapes.text.streams !== false;
    },

    streaming() {
      return this.streamResponse && this.canStream();
    },

    resetParameters() {
      if (this.shape) {
        const values = initialValues(this.shape);
        if (this.chat) {
          this.chatValues = values;
        } else {
          this.textValues = values;
        }
      }
    },

    /** The body exactly as the next run sends it. */
    requestBody() {
      const body = {};
      if (!this.shape) {
        return body;
      }
      if (this.chat) {
        const turns = this.draft ? [...this.turns, { role: "user", text: this.draft }] : this.turns;
        body.messages = turns.map((t) => ({ role: t.role, content: [{ text: t.text }] }));
        if (this.system) {
          body.system = [{ text: this.system }];
        }
      } else {
        ConsoleUtil.put(body, this.shape.promptPath, this.prompt);
      }
      return putParameters(body, this.shape, this.params);
    },

    requestJson() {
      return JSON.stringify(this.requestBody(), null, 2);
    },

    requestPath() {
      const op = this.chat ? (this.streaming() ? "/converse-stream" : "/converse")
          : this.streaming() ? "/invoke-with-response-stream" : "/invoke";
      return "/model/" + encodeURIComponent(this.modelId) + op;
    },

    cliCall() {
      const body = this.requestBody();
      const head = "aws bedrock-runtime ";
      const tail = " \\\n  --endpoint-url " + location.origin + " \\\n  --model-id " + this.modelId;
      if (this.chat) {
        return head + (this.streaming() ? "converse-stream" : "converse") + tail + " \\\n  --messages " + shellQuote(JSON.stringify(body.messages))
            + (body.system ? " \\\n  --system " + shellQuote(JSON.stringify(body.system)) : "")
            + (body.inferenceConfig ? " \\\n  --inference-config " + shellQuote(JSON.stringify(body.inferenceConfig))
              : "");
      }
      return head + (this.streaming() ? "invoke-model-with-response-stream" : "invoke-model") + tail
          + " \\\n  --content-type application/json \\\n  --cli-binary-format raw-in-base64-out \\\n  --body "
          + shellQuote(JSON.stringify(body)) + " \\\n  " + (this.streaming() ? "/dev/stdout" : "response.json");
    },

    boto3Call() {
      const body = this.requestBody();
      const start = "import boto3, json\n\nclient = boto3.client(\"bedrock-runtime\", endpoint_url=\"" + location.origin
          + "\")\n";
      if (this.chat) {
        const args = ["    modelId=" + JSON.stringify(this.modelId), "    messages=" + JSON.stringify(body.messages)];
        if (body.system) {
          args.push("    system=" + JSON.stringify(body.system));
        }
        if (body.inferenceConfig) {
          args.push("    inferenceConfig=" + JSON.stringify(body.inferenceConfig));
        }
        return start + "response = client." + (this.streaming() ? "converse_stream" : "converse") + "(\n"
            + args.join(",\n") + ",\n)";
      }
      return start + "response = client." + (this.streaming() ? "invoke_model_with_response_stream" : "invoke_model")
          + "(\n    modelId=\"" + this.modelId + "\",\n    contentType=\"application/json\",\n    body=json.dumps("
          + JSON.stringify(body) + "),\n)";
    },

    javaCall() {
      const client = "BedrockRuntimeAsyncClient client = BedrockRuntimeAsyncClient.builder()\n        .endpointOverride("
          + "URI.create(\"" + location.origin + "\")).build();\n";
      if (this.chat) {
        const body = this.requestBody();
        const messages = body.messages.map((m) => "Message.builder().role(ConversationRole." + m.role.toUpperCase()
            + ")\n                .content(ContentBlock.fromText(" + JSON.stringify(m.content[0].text) + ")).build()");
        return client + "client." + (this.streaming() ? "converseStream" : "converse") + "(r -> r.modelId(\""
            + this.modelId + "\")"
            + (body.system ? "\n        .system(SystemContentBlock.fromText(" + JSON.stringify(body.system[0].text) + "))"
              : "")
            + "\n        .messages(" + messages.join(",\n            ") + ")"
            + "\n        .inferenceConfig(c -> c" + this.javaInferenceConfig() + ")"
            + (this.streaming() ? ", handler" : "") + ");";
      }
      const json = JSON.stringify(JSON.stringify(this.requestBody()));
      return client + "client." + (this.streaming() ? "invokeModelWithResponseStream" : "invokeModel") + "(r -> r.modelId(\""
          + this.modelId + "\").contentType(\"application/json\")\n        .body(SdkBytes.fromUtf8String(" + json + "))"
          + (this.streaming() ? ", handler" : "") + ");";
    },

    javaInferenceConfig() {
      const config = this.requestBody().inferenceConfig || {};
      return Object.entries(config).map(([k, v]) => "." + k + "(" + (Array.isArray(v)
          ? v.map((s) => JSON.stringify(s)).join(", ") : typeof v === "number" && !Number.isInteger(v) ? v + "f"
            : JSON.stringify(v)) + ")").join("");
    },

    async run() {
      const body = this.requestBody();
      if (this.chat) {
        if (!this.draft) {
          return;
        }
        this.turns.push({ role: "user", text: this.draft });
        this.draft = "";
        this.turns.push({ role: "assistant", text: "" });
      } else {
        this.completion = "";
      }
      this.stats = null;
      this.error = "";
      this.status = "Running…";
      this.running = true;
      this.controller = new AbortController();
      const started = performance.now();
      const stream = this.streaming();
      try {
        const response = await call(".." + this.requestPath(), {
          method: "POST",
          headers: { "Content-Type": "application/json",
            "Accept": stream ? "application/vnd.amazon.eventstream" : "application/json" },
          body: JSON.stringify(body),
          signal: this.controller.signal,
        });
        if (!response.ok) {
          throw new Error(await awsError(response));
        }
        if (!stream && this.chat) {
          const answer = await response.json();
          this.turns[this.turns.length - 1].text = answer.output.message.content.map((c) => c.text || "").join("");
          this.stats = { inputTokenCount: answer.usage.inputTokens, outputTokenCount: answer.usage.outputTokens,
            invocationLatency: answer.metrics.latencyMs, firstByteLatency: null };
        } else if (!stream) {
          this.completion = get(await response.json(), this.shapes.text.responseTextPath) || "";
          const count = (name) => response.headers.get(name);
          this.stats = { inputTokenCount: count("x-amzn-bedrock-input-token-count"),
            outputTokenCount: count("x-amzn-bedrock-output-token-count"),
            invocationLatency: count("x-amzn-bedrock-invocation-latency"), firstByteLatency: null };
        } else if (this.chat) {
          await readEvents(response, (type, payload) => this.onConverseEvent(type, payload));
        } else {
          await readEvents(response, (type, payload) => this.onChunk(payload));
        }
        this.status = "Done in " + Math.round(performance.now() - started) + " ms";
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

    onChunk(payload) {
      const chunk = EventStream.chunkJson(payload);
      this.completion += get(chunk, this.shapes.text.chunkTextPath) || "";
      const metrics = chunk["amazon-bedrock-invocationMetrics"];
      if (metrics) {
        this.stats = metrics;
      }
    },

    onConverseEvent(type, payload) {
      const event = JSON.parse(new TextDecoder().decode(payload));
      if (type === "contentBlockDelta" && event.delta && event.delta.text) {
        this.turns[this.turns.length - 1].text += event.delta.text;
      } else if (type === "metadata") {
        this.stats = { inputTokenCount: event.usage.inputTokens, outputTokenCount: event.usage.outputTokens,
          invocationLatency: event.metrics.latencyMs, firstByteLatency: null };
      }
    },

    stop() {
      if (this.controller) {
        this.controller.abort(); // the server sees the stream closed, cancels the generation and frees its slot
      }
    },

    clearChat() {
      this.turns = [];
      this.stats = null;
      this.status = "";
    },

    async loadExamples() {
      if (this.examples.length === 0) {
        const response = await call("examples.json");
        this.examples = (await response.json()).examples;
      }
      // Which served model speaks which family, so an example opens on a model that takes its body.
      await modelsReady;
      for (const m of this.textModels) {
        if (!(m.modelId in this.familyOfModel)) {
          const response = await call("../local-bedrock/body-shapes/" + encodeURIComponent(m.modelId));
          this.familyOfModel[m.modelId] = response.ok ? (await response.json()).family : null;
        }
      }
      this.familiesKnown = true;
    },

    exampleCategories() {
      return [...new Set(this.examples.map((e) => e.category))].sort();
    },

    exampleFamilies() {
      return [...new Set(this.examples.map((e) => e.family))].sort();
    },

    shownExamples() {
      return this.examples.filter((e) => (!this.exampleCategory || e.category === this.exampleCategory)
          && (!this.exampleFamily || e.family === this.exampleFamily));
    },

    modelFor(family) {
      return Object.keys(this.familyOfModel).find((id) => this.familyOfModel[id] === family) || null;
    },

    async openExample(e) {
      this.modelId = this.modelFor(e.family);
      await this.chooseModel();
      this.prompt = e.prompt;
      for (const [path, value] of Object.entries(e.parameters)) {
        this.textValues[path] = Array.isArray(value) ? value.join(", ") : value;
      }
      location.hash = "#text";
    },

    async loadProvisioned() {
      const response = await call("../provisioned-model-throughputs?maxResults=1000");
      if (!response.ok) {
        this.error = "ListProvisionedModelThroughputs failed: " + (await awsError(response));
        return;
      }
      this.provisioned = (await response.json()).provisionedModelSummaries || [];
      if (this.ptModels.length === 0) {
        await this.loadProvisionableModels();
      }
      // Creating and Updating settle on their own: look again until they have.
      clearTimeout(this.ptTimer);
      if (this.page === "provisioned" && this.provisioned.some((p) => p.status === "Creating"
          || p.status === "Updating")) {
        this.ptTimer = setTimeout(() => this.loadProvisioned(), 1000);
      }
    },

    /** Foundation models and custom models: a custom model is only invoked through provisioned throughput. */
    async loadProvisionableModels() {
      await modelsReady;
      const models = this.models.map((m) => ({ arn: m.modelArn, label: m.modelId }));
      const custom = await call("../custom-models?maxResults=1000");
      if (custom.ok) {
        for (const m of (await custom.json()).modelSummaries || []) {
          models.push({ arn: m.modelArn, label: m.modelName + " (custom model)" });
        }
      }
      this.ptModels = models;
      if (!this.ptModel && models.length > 0) {
        this.ptModel = models[0].arn;
      }
    },

    async createProvisioned() {
      this.ptBusy = true;
      try {
        const body = { provisionedModelName: this.ptName, modelId: this.ptModel, modelUnits: parseInt(this.ptUnits, 10) };
        if (this.ptCommitment) {
          body.commitmentDuration = this.ptCommitment;
        }
        const response = await call("../provisioned-model-throughput", {
          method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body) });
        if (!response.ok) {
          this.error = "CreateProvisionedModelThroughput failed: " + (await awsError(response));
          return;
        }
        this.error = "";
        this.ptName = "";
        await this.loadProvisioned();
      } finally {
        this.ptBusy = false;
      }
    },

    async deleteProvisioned(p) {
      const response = await call("../provisioned-model-throughput/" + encodeURIComponent(p.provisionedModelArn),
          { method: "DELETE" });
      if (!response.ok) {
        this.error = "DeleteProvisionedModelThroughput failed: " + (await awsError(response));
        return;
      }
      this.error = "";
      await this.loadProvisioned();
    },

    async loadJobs() {
      const response = await call("../model-customization-jobs?maxResults=100&sortOrder=Descending");
      if (!response.ok) {
        this.error = "ListModelCustomizationJobs failed: " + (await awsError(response));
        return;
      }
      this.jobs = (await response.json()).modelCustomizationJobSummaries || [];
    },

    /** The job, its metrics files and the loss chart; again every 2 s while it trains. */
    async openJob(jobArn) {
      clearTimeout(this.jobTimer);
      const id = encodeURIComponent(jobArn);
      const [job, metrics] = await Promise.all([call("../model-customization-jobs/" + id),
        call("../local-bedrock/model-customization-jobs/" + id + "/metrics")]);
      if (!job.ok || !metrics.ok) {
        this.error = "The job could not be read: " + (await awsError(job.ok ? metrics : job));
        return;
      }
      this.error = "";
      this.job = await job.json();
      this.jobMetrics = await metrics.json();
      this.chartLoss(this.jobMetrics);
      if (this.page === "jobs" && (this.job.status === "InProgress" || this.job.status === "Stopping")) {
        this.jobTimer = setTimeout(() => this.openJob(jobArn), 2000);
      } else {
        this.loadJobs();
      }
    },

    jobProgress() {
      const p = this.job && this.job.progress;
      if (!p) {
        return this.job && this.job.status === "Completed" ? "done" : "–";
      }
      return "epoch " + p.epoch + "/" + p.epochCount + ", step " + p.step + "/" + p.totalSteps + ", "
          + Math.round(p.tokensPerSecond) + " tokens/s, ETA " + Math.round(p.etaSeconds) + " s";
    },

    chartLoss(metrics) {
      const steps = metrics.steps.map((r) => r.step);
      const validation = new Map(metrics.validation.map((r) => [r.step, r.loss]));
      const data = [steps, metrics.steps.map((r) => r.loss), steps.map((s) => validation.has(s) ? validation.get(s) : null)];
      if (lossChart) {
        lossChart.destroy();
      }
      lossChart = new uPlot({ width: 720, height: 260, scales: { x: { time: false } },
        series: [{ label: "step" }, { label: "training loss", stroke: "#0a5fb4" },
          { label: "validation loss", stroke: "#a4161a", paths: () => null, points: { show: true, size: 8 } }],
        axes: [{ label: "step" }, { label: "loss" }] }, data, document.getElementById("loss-chart"));
    },

    /** One scrape, the rows against the previous one, and the next scrape while this page is open. */
    async scrapeMetrics() {
      clearTimeout(this.metricsTimer);
      if (this.page !== "metrics") {
        return;
      }
      try {
        const response = await call("../metrics");
        if (!response.ok) {
          this.error = "GET /metrics failed: " + (await awsError(response));
          return;
        }
        const now = LiveMetrics.snapshot(LiveMetrics.parse(await response.text()), Date.now());
        if (this.lastScrape) {
          this.metricRows = LiveMetrics.rows(this.lastScrape, now);
          this.chartTokens(now.time / 1000, this.metricRows.reduce((sum, r) => sum + r.tokensPerSecond, 0));
        }
        this.lastScrape = now;
      } finally {
        this.metricsTimer = setTimeout(() => this.scrapeMetrics(), 2000);
      }
    },

    chartTokens(t, tps) {
      const [times, values] = tpsHistory;
      times.push(t);
      values.push(tps);
      if (times.length > 90) {
        times.shift();
        values.shift();
      }
      const data = [times.slice(), values.slice()];
      if (!tpsChart) {
        tpsChart = new uPlot({ width: 720, height: 220, series: [{}, { label: "tokens/s", stroke: "#0a5fb4" }],
          axes: [{}, { label: "tokens/s" }] }, data, document.getElementById("tps-chart"));
      } else {
        tpsChart.setData(data);
      }
    },

    async loadAccess() {
      const response = await call("../local-bedrock/model-access");
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
      const response = await call("../local-bedrock/model-access/" + encodeURIComponent(modelId), {
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
  }, ImagePlayground.state(), ImagePlayground.methods);
}
