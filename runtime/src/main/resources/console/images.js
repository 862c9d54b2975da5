// The image playground: the Stability SDXL body built from the server's own table of it
// (GET /local-bedrock/body-shapes/{modelId} → "image": its parameters and allowed sizes), sent with InvokeModel, and
// each artifact shown with its seed. Mixed into the console's Alpine component by console.js.
"use strict";

const ImagePlayground = (() => {
  const { awsError, initialValues, putParameters, call } = ConsoleUtil;
  /** Rows the size picker replaces: the codec accepts only the allowed pairs, so width and height go together. */
  const SIZE_ROWS = ["width", "height"];

  function state() {
    return {
      imageModelId: "",
      imageShape: null,
      imageValues: {},
      imageSize: "",
      imagePrompt: "",
      imageNegative: "",
      imageResults: [],
      imageBusy: false,
      imageStatus: "",
      imageError: "",
    };
  }

  const methods = {
    async loadImagePage() {
      await this.modelsLoaded();
      const models = this.imageModels;
      if (models.length > 0 && !models.some((m) => m.modelId === this.imageModelId)) {
        this.imageModelId = models[0].modelId;
      }
      if (this.imageModelId && !this.imageShape) {
        await this.chooseImageModel();
      }
    },

    async chooseImageModel() {
      this.imageShape = null;
      this.imageError = "";
      try {
        const response = await call("../local-bedrock/body-shapes/" + encodeURIComponent(this.imageModelId));
        if (!response.ok) {
          this.imageError = "The body table of " + this.imageModelId + " could not be read: "
              + (await awsError(response));
          return;
        }
        const shape = (await response.json()).image;
        if (!shape) {
          this.imageError = this.imageModelId + " has no image body on this server.";
          return;
        }
        this.imageValues = initialValues(shape);
        const first = shape.allowedSizes[0];
        this.imageSize = first.width + "x" + first.height;
        this.imageShape = shape;
      } catch (e) {
        this.imageError = "The body table of " + this.imageModelId + " could not be used: " + (e.message || e);
      }
    },

    /**
     * The generic rows of the table, without width and height (the size picker sets both), and with the sampler row
     * offering only the samplers this server runs (the codec's table names all of Stability's).
     */
    imageParameters() {
      if (!this.imageShape) {
        return [];
      }
      const served = this.imageShape.samplers;
      return this.imageShape.parameters.filter((p) => !SIZE_ROWS.includes(p.path))
          .map((p) => (p.path === "sampler" && served ? Object.assign({}, p, { allowedValues: served }) : p));
    },

    imageSizes() {
      return this.imageShape ? this.imageShape.allowedSizes.map((s) => s.width + "x" + s.height) : [];
    },

    /** Stability's body: the prompt, the negative prompt as a negative weight, the size and the set parameters. */
    imageBody() {
      const prompts = [{ text: this.imagePrompt, weight: 1 }];
      if (this.imageNegative.trim()) {
        prompts.push({ text: this.imageNegative, weight: -1 });
      }
      const body = { [this.imageShape.promptsPath]: prompts };
      const [width, height] = this.imageSize.split("x").map((n) => parseInt(n, 10));
      body.width = width;
      body.height = height;
      const shape = { parameters: this.imageParameters() };
      return putParameters(body, shape, this.imageValues);
    },

    imageRequestJson() {
      return this.imageShape ? JSON.stringify(this.imageBody(), null, 2) : "";
    },

    async generateImage() {
      if (!this.imageShape || !this.imagePrompt.trim()) {
        this.imageError = "Write a prompt first.";
        return;
      }
      this.imageBusy = true;
      this.imageError = "";
      this.imageResults = [];
      this.imageStatus = "Generating…";
      const started = performance.now();
      try {
        const response = await call("../model/" + encodeURIComponent(this.imageModelId) + "/invoke", {
          method: "POST",
          headers: { "Content-Type": "application/json", "Accept": "application/json" },
          body: JSON.stringify(this.imageBody()),
        });
        if (!response.ok) {
          throw new Error(await awsError(response));
        }
        const answer = await response.json();
        this.imageResults = answer.artifacts.map((a, i) => ({
          key: i + ":" + a.seed,
          seed: a.seed,
          finishReason: a.finishReason,
          src: a.base64 ? "data:image/png;base64," + a.base64 : "",
        }));
        this.imageStatus = answer.artifacts.length + " image(s) in " + Math.round(performance.now() - started)
            + " ms";
      } catch (e) {
        this.imageError = String(e.message || e);
        this.imageStatus = "Failed";
      } finally {
        this.imageBusy = false;
      }
    },

    /** Puts an artifact's seed in the form, so the same image comes back (or a variation, with other settings). */
    reuseSeed(seed) {
      this.imageValues.seed = seed;
    },
  };

  return { state, methods };
})();
