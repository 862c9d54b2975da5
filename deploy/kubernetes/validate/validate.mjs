// Checks every object of a rendered multi-document YAML stream (a file, or standard input) against the Kubernetes
// OpenAPI schemas, with the kubernetes-models class of its apiVersion and kind. A kind this deployment does not use
// is an error, not a pass: an object nobody checked must not slip through. Exit 0 and one "ok" line per object, or
// exit 1 naming each object and field at fault.
import { readFileSync } from "node:fs";
import { parseAllDocuments } from "yaml";
import { Deployment } from "kubernetes-models/apps/v1";
import { ConfigMap, PersistentVolumeClaim, Secret, Service } from "kubernetes-models/v1";
import { HorizontalPodAutoscaler } from "kubernetes-models/autoscaling/v2";
import { PodDisruptionBudget } from "kubernetes-models/policy/v1";

const MODELS = new Map([
  ["apps/v1/Deployment", Deployment],
  ["v1/Service", Service],
  ["v1/ConfigMap", ConfigMap],
  ["v1/Secret", Secret],
  ["v1/PersistentVolumeClaim", PersistentVolumeClaim],
  ["autoscaling/v2/HorizontalPodAutoscaler", HorizontalPodAutoscaler],
  ["policy/v1/PodDisruptionBudget", PodDisruptionBudget],
]);

const source = readFileSync(process.argv[2] ?? 0, "utf8");
const problems = [];
let checked = 0;
for (const [index, document] of parseAllDocuments(source).entries()) {
  if (document.errors.length > 0) {
    problems.push(`document ${index}: not YAML: ${document.errors.map((e) => e.message).join("; ")}`);
    continue;
  }
  const object = document.toJS();
  if (object === null || object === undefined) {
    continue; // an empty document (a trailing ---)
  }
  const name = `${object.kind ?? "(no kind)"} ${object.metadata?.name ?? "(no name)"}`;
  const Model = MODELS.get(`${object.apiVersion}/${object.kind}`);
  if (Model === undefined) {
    problems.push(`${name}: unknown apiVersion/kind ${object.apiVersion}/${object.kind}`
        + ` (known: ${[...MODELS.keys()].join(", ")})`);
    continue;
  }
  if (typeof object.metadata?.name !== "string" || object.metadata.name === "") {
    problems.push(`${name}: metadata.name is missing`);
  }
  if (object.kind === "Secret" && object.data !== null && typeof object.data === "object") {
    // kustomize wraps long base64 values over lines; the API server's decoder (Go's encoding/json) skips line
    // breaks in base64, the schema's "byte" format does not.
    for (const [key, value] of Object.entries(object.data)) {
      if (typeof value === "string") {
        object.data[key] = value.replace(/[\r\n]/g, "");
      }
    }
  }
  try {
    new Model(object).validate();
    checked++;
    console.log(`ok ${object.apiVersion} ${name}`);
  } catch (error) {
    const details = (error.errors ?? []).map((e) => `${e.instancePath || "/"} ${e.message}`).join("; ");
    problems.push(`${name}: ${details || error.message}`);
  }
}
if (checked === 0 && problems.length === 0) {
  problems.push("no objects in the input");
}
for (const problem of problems) {
  console.error(`invalid: ${problem}`);
}
process.exit(problems.length === 0 ? 0 : 1);
