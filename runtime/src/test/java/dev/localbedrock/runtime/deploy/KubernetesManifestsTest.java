package dev.localbedrock.runtime.deploy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.localbedrock.runtime.catalog.Catalog;
import dev.localbedrock.runtime.catalog.CatalogLoader;
import dev.localbedrock.runtime.catalog.ModelEntry;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * deploy/kubernetes as a cluster would receive it: each overlay rendered by {@code kubectl kustomize}, every object
 * checked against the Kubernetes OpenAPI schemas (kubernetes-models, installed from the committed lock file into
 * target/ once per run, as the JS SDK test installs its SDK), then the semantics that matter to this server checked
 * on the rendered objects: probes, drain, security, GPUs, autoscaling, disruption budget, and a models.yaml that the
 * server's own loader accepts. kubectl and node are required, not optional: test.sh installs them.
 */
class KubernetesManifestsTest {
    private static final Path MANIFESTS = Path.of("..", "deploy", "kubernetes");
    private static final Path VALIDATOR_SOURCES = MANIFESTS.resolve("validate");
    private static final Path INSTALL = Path.of("target", "k8s-validate");
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
    /** The secret the base reads and the README tells operators to create. */
    private static final String SECRET = "local-bedrock-secrets";

    private static String kubectl;

    @BeforeAll
    static void tools() throws Exception {
        // KUBECTL picks one (e.g. Debian's 1.20 beside a newer one: the kustomizations must render on both).
        kubectl = Stream.concat(Stream.of(System.getenv().getOrDefault("KUBECTL", ""), "/usr/bin/kubectl")
                        .filter(p -> !p.isEmpty()), Stream.of(System.getenv().getOrDefault("PATH", "")
                        .split(File.pathSeparator)).filter(d -> !d.isEmpty()).map(d -> d + "/kubectl"))
                .filter(p -> new File(p).canExecute()).findFirst().orElseThrow(() -> new AssertionError(
                        "no kubectl: run ./test.sh (it installs Debian's kubernetes-client) or "
                                + "apt-get install kubernetes-client"));
        Files.createDirectories(INSTALL);
        for (String file : List.of("package.json", "package-lock.json", "validate.mjs")) {
            Files.copy(VALIDATOR_SOURCES.resolve(file), INSTALL.resolve(file), StandardCopyOption.REPLACE_EXISTING);
        }
        if (!Files.isDirectory(INSTALL.resolve("node_modules/kubernetes-models"))) {
            Result npm = run(List.of("npm", "ci", "--no-audit", "--no-fund"), INSTALL, 300);
            assertEquals(0, npm.exit, "npm ci failed:\n" + npm.output);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"cpu", "cuda"})
    void overlayRendersToObjectsTheSchemasAccept(String overlay) throws Exception {
        String rendered = render(MANIFESTS.resolve("overlays").resolve(overlay));
        Result check = validate(rendered);
        assertEquals(0, check.exit, overlay + ": the schema check refused the rendered objects:\n" + check.output);
        List<JsonNode> objects = parse(rendered);
        assertEquals(objects.size(), check.output.lines().filter(l -> l.startsWith("ok ")).count(),
                "one ok line per object:\n" + check.output);
        for (String kind : List.of("Deployment", "Service", "ConfigMap", "PersistentVolumeClaim",
                "HorizontalPodAutoscaler", "PodDisruptionBudget")) {
            assertTrue(objects.stream().anyMatch(o -> o.path("kind").asText().equals(kind)), overlay + ": no " + kind);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"cpu", "cuda"})
    void podServesProbesDrainsAndRunsLocked(String overlay) throws Exception {
        List<JsonNode> objects = parse(render(MANIFESTS.resolve("overlays").resolve(overlay)));
        JsonNode deployment = only(objects, "Deployment");
        JsonNode pod = deployment.path("spec").path("template").path("spec");
        JsonNode server = only(pod.path("containers"));

        assertEquals("local-bedrock:" + overlay, server.path("image").asText());
        List<String> args = new ArrayList<>();
        server.path("args").forEach(a -> args.add(a.asText()));
        assertEquals(List.of("serve", "--config", "/etc/local-bedrock/models.yaml", "--port", "8080", "--host",
                "0.0.0.0"), args);
        int port = namedPort(server, "http");
        assertEquals(8080, port);

        assertHttpProbe(server.path("readinessProbe"), "/ping");
        assertHttpProbe(server.path("livenessProbe"), "/live");
        assertHttpProbe(server.path("startupProbe"), "/live");

        JsonNode preStop = server.path("lifecycle").path("preStop");
        assertFalse(preStop.isMissingNode(), "no preStop hook");
        int pause = preStop.path("sleep").path("seconds").asInt(-1);
        assertTrue(pause > 0, "preStop pauses before the SIGTERM: " + preStop);
        Catalog catalog = loadCatalogue(objects, deployment);
        long grace = catalog.server().shutdownGrace().toSeconds();
        int termination = pod.path("terminationGracePeriodSeconds").asInt(-1);
        assertTrue(termination > pause + grace, "terminationGracePeriodSeconds " + termination
                + " must exceed the preStop pause " + pause + " s + shutdown_grace_seconds " + grace + " s");

        JsonNode podSecurity = pod.path("securityContext");
        assertTrue(podSecurity.path("runAsNonRoot").asBoolean(false), "runAsNonRoot");
        assertTrue(podSecurity.path("runAsUser").asInt(0) > 0, "a numeric non-root user (a Jib image runs as root)");
        JsonNode security = server.path("securityContext");
        assertTrue(security.path("readOnlyRootFilesystem").asBoolean(false), "readOnlyRootFilesystem");
        assertFalse(security.path("allowPrivilegeEscalation").asBoolean(true), "allowPrivilegeEscalation");

        Map<String, JsonNode> mounts = mountsByPath(server);
        JsonNode models = mounts.get("/models");
        assertNotNull(models, "no /models mount: " + mounts.keySet());
        assertTrue(models.path("readOnly").asBoolean(false), "/models is mounted read-only");
        assertTrue(volume(pod, models.path("name").asText()).path("persistentVolumeClaim").path("readOnly")
                .asBoolean(false), "the models claim is read-only too");
        // With a read-only root, every folder the catalogue writes must be on a writable volume.
        List<Path> written = new ArrayList<>(List.of(catalog.customization().modelsDir(), catalog.audit().dir(),
                catalog.events().file().getParent(), catalog.storage().localDir(), Path.of("/tmp")));
        for (Path folder : written) {
            assertTrue(mounts.entrySet().stream().anyMatch(m -> folder.startsWith(m.getKey())
                            && !m.getValue().path("readOnly").asBoolean(false)),
                    folder + " is written by the server but is on no writable mount: " + mounts.keySet());
        }
        String cacheClaim = volume(pod, mounts.get("/var/cache/local-bedrock").path("name").asText())
                .path("persistentVolumeClaim").path("claimName").asText();
        assertTrue(objects.stream().anyMatch(o -> o.path("kind").asText().equals("PersistentVolumeClaim")
                && o.path("metadata").path("name").asText().equals(cacheClaim)), "the cache claim is rendered");
        assertTrue(catalog.customization().modelsDir().startsWith("/var/cache/local-bedrock"),
                "cache_dir is the cache volume");

        assertEquals(SECRET, env(server, "LOCAL_BEDROCK_MASTER_KEY").path("valueFrom").path("secretKeyRef")
                .path("name").asText(), "the master key comes from the Secret");
        Path pgpass = Path.of(env(server, "PGPASSFILE").path("value").asText());
        JsonNode secretMount = mounts.get(pgpass.getParent().toString());
        assertNotNull(secretMount, "PGPASSFILE " + pgpass + " is on a mount");
        assertEquals(SECRET, volume(pod, secretMount.path("name").asText()).path("secret").path("secretName")
                .asText());
        assertTrue(catalog.state().url().startsWith("jdbc:postgresql://"), catalog.state().url());
        assertFalse(catalog.state().url().contains("password"), "no password in the ConfigMap");
        assertEquals("0.0.0.0", catalog.server().host());
    }

    @Test
    void onlyTheCudaOverlayAsksForAGpuAndRunsOnIt() throws Exception {
        for (String overlay : List.of("cpu", "cuda")) {
            List<JsonNode> objects = parse(render(MANIFESTS.resolve("overlays").resolve(overlay)));
            JsonNode deployment = only(objects, "Deployment");
            JsonNode pod = deployment.path("spec").path("template").path("spec");
            JsonNode resources = only(pod.path("containers")).path("resources");
            List<String> textDevices = loadCatalogue(objects, deployment).models().stream()
                    .filter(m -> m.source() instanceof ModelEntry.Directory).map(ModelEntry::device).toList();
            assertFalse(textDevices.isEmpty(), overlay + ": a model from /models");
            if (overlay.equals("cuda")) {
                assertEquals(1, resources.path("limits").path("nvidia.com/gpu").asInt(), "one GPU: " + resources);
                assertEquals(1, resources.path("requests").path("nvidia.com/gpu").asInt(), "one GPU: " + resources);
                assertEquals("Exists", only(pod.path("tolerations")).path("operator").asText());
                assertEquals("nvidia.com/gpu", only(pod.path("tolerations")).path("key").asText());
                assertFalse(pod.path("nodeSelector").isEmpty(), "GPU nodes are selected");
                assertTrue(textDevices.stream().allMatch(d -> d.startsWith("cuda")), textDevices.toString());
            } else {
                assertFalse(resources.toString().contains("nvidia.com/gpu"), resources.toString());
                assertTrue(pod.path("tolerations").isMissingNode() && pod.path("nodeSelector").isMissingNode());
                assertTrue(textDevices.stream().allMatch(d -> d.equals("cpu")), textDevices.toString());
            }
        }
    }

    @Test
    void autoscalerAndDisruptionBudgetTargetTheServerPods() throws Exception {
        List<JsonNode> objects = parse(render(MANIFESTS.resolve("overlays").resolve("cpu")));
        JsonNode deployment = only(objects, "Deployment");
        JsonNode podLabels = deployment.path("spec").path("template").path("metadata").path("labels");

        JsonNode hpa = only(objects, "HorizontalPodAutoscaler").path("spec");
        assertEquals("Deployment", hpa.path("scaleTargetRef").path("kind").asText());
        assertEquals("apps/v1", hpa.path("scaleTargetRef").path("apiVersion").asText());
        assertEquals(deployment.path("metadata").path("name").asText(), hpa.path("scaleTargetRef").path("name")
                .asText());
        List<String> podMetrics = new ArrayList<>();
        hpa.path("metrics").forEach(m -> {
            assertEquals("Pods", m.path("type").asText(), "per-pod custom metrics: " + m);
            podMetrics.add(m.path("pods").path("metric").path("name").asText());
        });
        assertTrue(podMetrics.contains("bedrock_scheduler_queue_length"), podMetrics.toString());
        assertTrue(hpa.path("minReplicas").asInt() >= 2, "at least two replicas, so the PDB can allow one out");

        JsonNode pdb = only(objects, "PodDisruptionBudget").path("spec");
        assertTrue(selects(pdb, podLabels), pdb + " selects " + podLabels);
        assertTrue(selects(deployment.path("spec"), podLabels), "the Deployment's own selector");
        JsonNode service = only(objects, "Service").path("spec");
        assertTrue(selects(service, podLabels), "the Service selects the pods");
        assertEquals("http", only(service.path("ports")).path("targetPort").asText());
        // The README's rule and the metric the HPA asks for must agree.
        String readme = Files.readString(MANIFESTS.resolve("README.md"));
        for (String metric : podMetrics) {
            assertTrue(readme.contains(metric), "README.md documents an adapter rule for " + metric);
        }
    }

    /** The README's way of adding the Secret (an overlay of one's own with a secretGenerator) renders and checks. */
    @Test
    void anOperatorOverlayWithTheSecretRendersAndKeepsTheReferences() throws Exception {
        // Under target/, and its base by a relative path: kustomize v2.0.3 (Debian's kubectl) refuses absolute ones.
        Path overlay = Path.of("target", "k8s-site").toAbsolutePath();
        Files.createDirectories(overlay);
        Files.writeString(overlay.resolve("pgpass"), "postgres:5432:localbedrock:localbedrock:not-a-real-one\n");
        Files.writeString(overlay.resolve("kustomization.yaml"), String.join("\n",
                "apiVersion: kustomize.config.k8s.io/v1beta1",
                "kind: Kustomization",
                "bases:",
                "  - " + overlay.relativize(MANIFESTS.resolve("overlays/cpu").toAbsolutePath().normalize()),
                "secretGenerator:",
                "  - name: " + SECRET,
                "    literals:",
                "      - master-key=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=",
                "    files:",
                "      - pgpass",
                ""));
        String rendered = render(overlay);
        Result check = validate(rendered);
        assertEquals(0, check.exit, check.output);
        assertTrue(check.output.contains("ok v1 Secret " + SECRET), check.output);
        List<JsonNode> objects = parse(rendered);
        JsonNode secret = only(objects, "Secret");
        String name = secret.path("metadata").path("name").asText();
        assertTrue(secret.path("data").has("master-key") && secret.path("data").has("pgpass"), secret.toString());
        JsonNode pod = only(objects, "Deployment").path("spec").path("template").path("spec");
        JsonNode server = only(pod.path("containers"));
        assertEquals(name, env(server, "LOCAL_BEDROCK_MASTER_KEY").path("valueFrom").path("secretKeyRef")
                .path("name").asText(), "kustomize renamed the reference with the generated Secret");
        assertTrue(rendered.contains("secretName: " + name), "the pgpass volume names the generated Secret");
    }

    /** The schema check is not a formality: a wrong type and a kind it does not know both fail it, by name. */
    @Test
    void validatorRefusesABrokenObjectAndAnUnknownKind() throws Exception {
        Result wrongType = validate(String.join("\n",
                "apiVersion: apps/v1",
                "kind: Deployment",
                "metadata: {name: broken}",
                "spec:",
                "  replicas: \"two\"",
                "  selector: {matchLabels: {app: x}}",
                "  template:",
                "    metadata: {labels: {app: x}}",
                "    spec: {containers: [{name: server, image: local-bedrock}]}",
                ""));
        assertEquals(1, wrongType.exit, wrongType.output);
        assertTrue(wrongType.output.contains("Deployment broken: /spec/replicas must be integer"), wrongType.output);

        Result missing = validate("apiVersion: v1\nkind: Service\nmetadata: {name: s}\nspec: {ports: [{name: h}]}\n");
        assertEquals(1, missing.exit, missing.output);
        assertTrue(missing.output.contains("/spec/ports/0 must have required property port"), missing.output);

        Result unknown = validate("apiVersion: v1\nkind: Pod\nmetadata: {name: p}\n");
        assertEquals(1, unknown.exit, unknown.output);
        assertTrue(unknown.output.contains("Pod p: unknown apiVersion/kind v1/Pod"), unknown.output);
    }

    // --- helpers ---

    /** The ConfigMap's models.yaml through CatalogLoader, its /models paths pointed at folders made here. */
    private static Catalog loadCatalogue(List<JsonNode> objects, JsonNode deployment) throws IOException {
        JsonNode pod = deployment.path("spec").path("template").path("spec");
        JsonNode configMount = mountsByPath(only(pod.path("containers"))).get("/etc/local-bedrock");
        assertNotNull(configMount, "models.yaml's folder is mounted");
        String configMapName = volume(pod, configMount.path("name").asText()).path("configMap").path("name").asText();
        JsonNode configMap = objects.stream().filter(o -> o.path("kind").asText().equals("ConfigMap")
                && o.path("metadata").path("name").asText().equals(configMapName)).findFirst()
                .orElseThrow(() -> new AssertionError("the Deployment's ConfigMap " + configMapName + " is rendered"));
        String yaml = configMap.path("data").path("models.yaml").asText(null);
        assertNotNull(yaml, "the ConfigMap holds models.yaml");
        Path dir = Files.createTempDirectory("k8s-catalogue");
        Path models = dir.resolve("models");
        for (String line : yaml.lines().toList()) {
            String value = line.replaceFirst("^\\s*(- )?source:\\s*", "");
            if (!value.equals(line) && value.startsWith("/models/")) {
                Files.createDirectories(models.resolve(value.substring("/models/".length()).split("\\s")[0]));
            }
        }
        Path file = dir.resolve("models.yaml");
        Files.writeString(file, yaml.replace("source: /models/", "source: " + models + "/"));
        return CatalogLoader.load(file);
    }

    private static String render(Path kustomization) throws Exception {
        Path out = Files.createTempFile("kustomize", ".yaml");
        Process process = new ProcessBuilder(kubectl, "kustomize", kustomization.toString())
                .redirectOutput(out.toFile()).redirectError(ProcessBuilder.Redirect.PIPE).start();
        String errors = new String(process.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(process.waitFor(120, TimeUnit.SECONDS), "kubectl kustomize finished");
        assertEquals(0, process.exitValue(), "kubectl kustomize " + kustomization + " failed:\n" + errors);
        return Files.readString(out);
    }

    private static Result validate(String yaml) throws Exception {
        Path input = Files.createTempFile("rendered", ".yaml");
        Files.writeString(input, yaml);
        return run(List.of("node", "validate.mjs", input.toAbsolutePath().toString()), INSTALL, 60);
    }

    private static List<JsonNode> parse(String yaml) throws IOException {
        List<JsonNode> objects = new ArrayList<>();
        try (MappingIterator<JsonNode> documents = YAML.readerFor(JsonNode.class).readValues(yaml)) {
            while (documents.hasNext()) {
                JsonNode object = documents.next();
                if (object != null && !object.isNull() && !object.isMissingNode()) {
                    objects.add(object);
                }
            }
        }
        return objects;
    }

    private static JsonNode only(List<JsonNode> objects, String kind) {
        List<JsonNode> found = objects.stream().filter(o -> o.path("kind").asText().equals(kind)).toList();
        assertEquals(1, found.size(), "one " + kind);
        return found.get(0);
    }

    private static JsonNode only(JsonNode array) {
        assertEquals(1, array.size(), "one element: " + array);
        return array.get(0);
    }

    private static void assertHttpProbe(JsonNode probe, String path) {
        assertEquals(path, probe.path("httpGet").path("path").asText(), "probe " + probe);
        assertEquals("http", probe.path("httpGet").path("port").asText(), "probe " + probe);
    }

    private static int namedPort(JsonNode container, String name) {
        for (JsonNode port : container.path("ports")) {
            if (port.path("name").asText().equals(name)) {
                return port.path("containerPort").asInt();
            }
        }
        throw new AssertionError("no port named " + name);
    }

    private static Map<String, JsonNode> mountsByPath(JsonNode container) {
        Map<String, JsonNode> mounts = new java.util.LinkedHashMap<>();
        container.path("volumeMounts").forEach(m -> mounts.put(m.path("mountPath").asText(), m));
        return mounts;
    }

    private static JsonNode volume(JsonNode pod, String name) {
        for (JsonNode volume : pod.path("volumes")) {
            if (volume.path("name").asText().equals(name)) {
                return volume;
            }
        }
        throw new AssertionError("no volume " + name);
    }

    private static JsonNode env(JsonNode container, String name) {
        for (JsonNode variable : container.path("env")) {
            if (variable.path("name").asText().equals(name)) {
                return variable;
            }
        }
        throw new AssertionError("no env " + name);
    }

    /** A label selector (matchLabels, or a Service's plain selector) that the labels satisfy, and not empty. */
    private static boolean selects(JsonNode holder, JsonNode labels) {
        JsonNode selector = holder.path("selector");
        JsonNode match = selector.has("matchLabels") ? selector.path("matchLabels") : selector;
        if (match.isEmpty() || selector.has("matchExpressions")) {
            return false;
        }
        var fields = match.fields();
        while (fields.hasNext()) {
            var field = fields.next();
            if (!field.getValue().asText().equals(labels.path(field.getKey()).asText(null))) {
                return false;
            }
        }
        return true;
    }

    private record Result(int exit, String output) {
    }

    private static Result run(List<String> command, Path dir, int timeoutSeconds) throws Exception {
        Path log = Files.createTempFile("k8s-validate", ".log");
        Process process = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true)
                .redirectOutput(log.toFile()).start();
        if (!process.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            return new Result(-1, "timed out after " + timeoutSeconds + " s\n" + Files.readString(log));
        }
        return new Result(process.exitValue(), Files.readString(log, StandardCharsets.UTF_8));
    }
}
