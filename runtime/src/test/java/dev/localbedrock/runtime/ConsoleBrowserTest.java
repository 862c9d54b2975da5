package dev.localbedrock.runtime;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.localbedrock.codecs.TextFamilies;
import dev.localbedrock.codecs.llama.Llama2Codec;
import dev.localbedrock.runtime.generation.AdmissionPolicy;
import dev.localbedrock.runtime.generation.InMemorySchedulerMetrics;
import dev.localbedrock.runtime.generation.WorkerHooks;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.Select;
import org.openqa.selenium.support.ui.WebDriverWait;

import java.io.File;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The console in a real headless Chromium (Debian's {@code chromium} and {@code chromium-driver}, which test.sh
 * installs): the model picker, the parameter controls built from the codec's own table, a streamed generation whose
 * "View API request" body, sent again by a plain HTTP client, gives the same greedy text; a chat turn over
 * ConverseStream whose shown conversation, sent to Converse, answers the same; a generation stopped
 * mid-stream whose batch slot and KV are freed; an example from the library opened and run; model access revoked and
 * granted again; a provisioned throughput purchased (and invoked) and deleted; the
 * metrics page counting an invocation from the server's scrape; a fine-tuning job's state, loss curve and files;
 * an image generated from the image playground, equal to what its shown request body gives;
 * another site's forged request refused; and axe-core's WCAG 2 A/AA rules on every page. Each page is photographed
 * into {@code docs/screenshots/} when {@code -Dconsole.screenshots=DIR} is set.
 */
class ConsoleBrowserTest {
    static final ObjectMapper JSON = new ObjectMapper();
    static final Duration WAIT = Duration.ofSeconds(30);
    static final String IMAGE_MODEL = "stability.stable-diffusion-xl-v1";

    @TempDir
    static Path workDir;
    static BedrockService service;
    static InMemorySchedulerMetrics metrics = new InMemorySchedulerMetrics();
    static WebDriver browser;
    static String base;

    @BeforeAll
    static void start() throws Exception {
        service = TestServers.startTinyLlama(workDir, "", "max_context_tokens: 2048\n",
                entry -> new WorkerHooks(AdmissionPolicy.FIFO, metrics), TestServers.smokeSdxl(IMAGE_MODEL));
        base = "http://127.0.0.1:" + service.address().getPort();
        browser = BrowserDriver.start();
    }

    @AfterAll
    static void stop() {
        if (browser != null) {
            browser.quit();
        }
        if (service != null) {
            service.close();
        }
    }

    private static WebDriverWait waiting() {
        return waiting(browser);
    }

    /** A 30 s wait whose failure says what the page showed and what the browser logged. */
    static WebDriverWait waiting(WebDriver driver) {
        WebDriverWait wait = new WebDriverWait(driver, WAIT);
        wait.withMessage(() -> "the page shows: " + driver.findElement(By.tagName("body")).getText()
                + "\nbrowser log: " + driver.manage().logs().get(org.openqa.selenium.logging.LogType.BROWSER)
                .getAll());
        return wait;
    }

    private static WebElement byId(String id) {
        return browser.findElement(By.id(id));
    }

    /** A fresh load of a console page (a hash change alone would keep the previous page's state). */
    private static void open(String page) {
        browser.get("about:blank");
        browser.get(base + "/console/#" + page);
    }

    private static void setValue(String id, String value) {
        WebElement e = byId(id);
        e.clear();
        e.sendKeys(value);
    }

    private static void screenshot(String name) throws Exception {
        String dir = System.getProperty("console.screenshots");
        if (dir != null && !dir.isBlank()) {
            Path target = Path.of(dir).resolve(name + ".png");
            Files.createDirectories(target.getParent());
            Files.write(target, ((TakesScreenshot) browser).getScreenshotAs(OutputType.BYTES));
        }
    }

    private void openPlayground() {
        open("text");
        waiting().until(d -> !new Select(byId("model")).getOptions().isEmpty()
                && !d.findElements(By.id("param-max-gen-len")).isEmpty());
    }

    @Test
    @Timeout(value = 180, unit = TimeUnit.SECONDS)
    void theControlsAreTheCodecsTableAndAStreamedRunMatchesItsApiRequest() throws Exception {
        openPlayground();
        assertEquals(TestServers.LLAMA_ID, new Select(byId("model")).getFirstSelectedOption().getAttribute("value"));
        // Every control's range and default is the codec's, not a copy in the page.
        var shape = ((Llama2Codec) TextFamilies.forName(Llama2Codec.FAMILY)).bodyShape();
        for (var p : shape.parameters()) {
            WebElement control = byId("param-" + p.path().replaceAll("[^A-Za-z0-9]", "-"));
            if (p.min() != null) {
                assertEquals(p.min().doubleValue(), Double.parseDouble(control.getAttribute("min")), p.path());
            }
            if (p.max() != null) {
                assertEquals(p.max().doubleValue(), Double.parseDouble(control.getAttribute("max")), p.path());
            }
            if (p.defaultValue() != null) {
                assertEquals(Double.parseDouble(String.valueOf(p.defaultValue())),
                        Double.parseDouble(control.getAttribute("value")), p.path());
            }
        }

        setValue("prompt", "Once upon a time");
        setValue("param-temperature", "0");
        setValue("param-max-gen-len", "7");
        byId("run").click();
        waiting().until(d -> byId("run-status").getText().startsWith("Done"));
        String completion = byId("completion").getText();
        assertFalse(completion.isEmpty(), "tokens arrived");
        assertEquals("7", byId("stat-output").getText(), "the server generated what the control asked for");
        assertTrue(Integer.parseInt(byId("stat-input").getText()) > 0);

        byId("view-request").click();
        waiting().until(d -> byId("api-request").isDisplayed());
        JsonNode shown = JSON.readTree(byId("request-body").getText());
        assertEquals("Once upon a time", shown.get("prompt").asText());
        assertEquals(7, shown.get("max_gen_len").asInt());
        assertEquals(0.0, shown.get("temperature").asDouble());
        assertTrue(byId("request-cli").getText().contains("aws bedrock-runtime invoke-model-with-response-stream"));
        assertTrue(byId("request-boto3").getText().contains("invoke_model_with_response_stream"));
        assertTrue(byId("request-java").getText().contains("invokeModelWithResponseStream"));
        screenshot("text-playground");

        // The shown body is the request: sent by another client, greedy decoding answers the same text.
        HttpResponse<String> direct = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                        URI.create(base + "/model/" + TestServers.LLAMA_ID + "/invoke"))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(shown.toString())).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, direct.statusCode(), direct.body());
        assertEquals(completion, JSON.readTree(direct.body()).get("generation").asText().strip());

        // Unstreamed (InvokeModel), the same greedy text and count, read from the body and the token headers.
        byId("stream-response").click();
        assertTrue(byId("request-path").getText().endsWith("/invoke"), byId("request-path").getText());
        byId("run").click();
        waiting().until(d -> byId("run-status").getText().startsWith("Done"));
        assertEquals(completion, byId("completion").getText());
        assertEquals("7", byId("stat-output").getText());

        byId("reset-parameters").click();
        assertEquals("512", byId("param-max-gen-len").getAttribute("value"), "back to the codec's default");
    }

    @Test
    @Timeout(value = 180, unit = TimeUnit.SECONDS)
    void aChatTurnStreamsOverConverseStreamAndItsRequestIsTheConversation() throws Exception {
        open("chat");
        waiting().until(d -> !d.findElements(By.id("param-inferenceConfig-maxTokens")).isEmpty());
        setValue("system", "Answer briefly.");
        setValue("draft", "Name a river.");
        setValue("param-inferenceConfig-temperature", "0");
        setValue("param-inferenceConfig-maxTokens", "6");
        byId("view-request").click();
        waiting().until(d -> byId("api-request").isDisplayed());
        JsonNode sent = JSON.readTree(byId("request-body").getText());
        assertEquals("Name a river.", sent.at("/messages/0/content/0/text").asText());
        assertEquals("Answer briefly.", sent.at("/system/0/text").asText());
        assertEquals(6, sent.at("/inferenceConfig/maxTokens").asInt());
        assertTrue(byId("request-path").getText().endsWith("/converse-stream"));
        assertTrue(byId("request-cli").getText().contains("converse-stream"));
        assertTrue(byId("request-java").getText().contains(".maxTokens(6)"));

        byId("run").click();
        waiting().until(d -> byId("run-status").getText().startsWith("Done"));
        List<WebElement> turns = browser.findElements(By.cssSelector("#turns li"));
        assertEquals(2, turns.size());
        String answer = turns.get(1).findElement(By.className("text")).getText();
        assertFalse(answer.isEmpty(), "the answer streamed in");
        assertEquals("6", byId("stat-output").getText());
        screenshot("chat-playground");

        HttpResponse<String> direct = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                        URI.create(base + "/model/" + TestServers.LLAMA_ID + "/converse"))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(sent.toString())).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, direct.statusCode(), direct.body());
        assertEquals(answer.strip(), JSON.readTree(direct.body()).at("/output/message/content/0/text").asText().strip(),
                "the shown request, sent by another client, answers the same");
    }

    @Test
    @Timeout(value = 180, unit = TimeUnit.SECONDS)
    void stopEndsTheStreamAndFreesTheBatchSlot() throws Exception {
        openPlayground();
        setValue("prompt", "Tell me a very long story");
        setValue("param-max-gen-len", "2048");
        // The random model may sample its end token at any length, and a short generation can end before the click
        // reaches Stop: such a run proves nothing about Stop, so it is run again (each is an independent draw).
        String status = "";
        for (int attempt = 0; attempt < 5 && !status.equals("Stopped"); attempt++) {
            byId("run").click();
            waiting().until(d -> !byId("completion").getText().isEmpty());
            byId("stop").click();
            waiting().until(d -> byId("run-status").getText().equals("Stopped")
                    || byId("run-status").getText().startsWith("Done"));
            status = byId("run-status").getText();
        }
        assertEquals("Stopped", status, "five generations each ended before Stop was clicked");
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (metrics.snapshot().lastStep().runningSequences() != 0) {
            assertTrue(System.nanoTime() < deadline, "the stopped generation left the batch");
            Thread.sleep(20);
        }
        assertEquals(0, metrics.snapshot().lastStep().kvReservedTokens(), "its KV was freed");
        int shown = byId("completion").getText().length();
        Thread.sleep(300);
        assertEquals(shown, byId("completion").getText().length(), "nothing arrives after Stop");
        assertTrue(byId("run").isEnabled());
    }

    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void anExampleOpensInThePlaygroundWithItsPromptAndParameters() throws Exception {
        open("examples");
        By llama = By.cssSelector("#examples li[data-example='llama-instruction'] .open-example");
        waiting().until(d -> !d.findElements(llama).isEmpty() && d.findElement(llama).isEnabled());
        By titan = By.cssSelector("#examples li[data-example='summary'] .open-example");
        assertFalse(browser.findElement(titan).isEnabled(), "no Titan model is served here");
        new Select(byId("example-family")).selectByValue("meta-llama2");
        waiting().until(d -> d.findElements(By.cssSelector("#examples li")).size() == 2);
        screenshot("examples");
        browser.findElement(llama).click();
        waiting().until(d -> d.getCurrentUrl().endsWith("#text") && !d.findElements(By.id("prompt")).isEmpty()
                && byId("prompt").getAttribute("value").startsWith("[INST]"));
        assertEquals("[INST] Write a haiku about autumn rain. [/INST]", byId("prompt").getAttribute("value"));
        assertEquals("64", byId("param-max-gen-len").getAttribute("value"));
        assertEquals("0", byId("param-temperature").getAttribute("value"));
        byId("run").click();
        waiting().until(d -> byId("run-status").getText().startsWith("Done"));
        assertFalse(byId("completion").getText().isEmpty());
    }

    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void modelAccessIsRevokedAndGrantedFromItsPage() throws Exception {
        open("access");
        By row = By.cssSelector("#access-table tr[data-model='" + TestServers.LLAMA_ID + "']");
        waiting().until(d -> !d.findElements(row).isEmpty());
        assertEquals("Granted", browser.findElement(row).findElement(By.className("grant")).getText());
        screenshot("model-access");
        browser.findElement(row).findElement(By.className("toggle-access")).click();
        waiting().until(d -> d.findElement(row).findElement(By.className("grant")).getText().equals("Not granted"));
        HttpResponse<String> refused = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                        URI.create(base + "/model/" + TestServers.LLAMA_ID + "/invoke"))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"prompt\":\"hi\",\"max_gen_len\":2}")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(403, refused.statusCode(), "revoked in the console, refused on the API");
        browser.findElement(row).findElement(By.className("toggle-access")).click();
        waiting().until(d -> d.findElement(row).findElement(By.className("grant")).getText().equals("Granted"));
    }

    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void provisionedThroughputIsPurchasedAndDeletedFromItsPage() throws Exception {
        open("provisioned");
        waiting().until(d -> new Select(byId("pt-model")).getOptions().size() > 0);
        setValue("pt-name", "console-pt");
        setValue("pt-units", "2");
        byId("pt-create").click();
        By row = By.cssSelector("#pt-table tr[data-name='console-pt']");
        waiting().until(d -> !d.findElements(row).isEmpty()
                && d.findElement(row).findElement(By.className("pt-status")).getText().equals("InService"));
        assertEquals("2", browser.findElement(row).findElement(By.className("units")).getText());
        screenshot("provisioned-throughput");
        HttpClient http = HttpClient.newHttpClient();
        JsonNode listed = JSON.readTree(http.send(HttpRequest.newBuilder(URI.create(base
                + "/provisioned-model-throughputs")).GET().build(), HttpResponse.BodyHandlers.ofString()).body());
        assertEquals("console-pt", listed.at("/provisionedModelSummaries/0/provisionedModelName").asText());
        String arn = listed.at("/provisionedModelSummaries/0/provisionedModelArn").asText();
        HttpResponse<String> invoked = http.send(HttpRequest.newBuilder(URI.create(base + "/model/"
                        + java.net.URLEncoder.encode(arn, java.nio.charset.StandardCharsets.UTF_8) + "/invoke"))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"prompt\":\"hi\",\"max_gen_len\":2}")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(200, invoked.statusCode(), "the console's purchase serves: " + invoked.body());

        browser.findElement(row).findElement(By.className("pt-delete")).click();
        waiting().until(d -> d.findElements(row).isEmpty());
        listed = JSON.readTree(http.send(HttpRequest.newBuilder(URI.create(base + "/provisioned-model-throughputs"))
                .GET().build(), HttpResponse.BodyHandlers.ofString()).body());
        assertEquals(0, listed.get("provisionedModelSummaries").size());
    }

    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void theMetricsPageFollowsTheServersScrape() throws Exception {
        open("metrics");
        By row = By.cssSelector("#metrics-table tr[data-model='" + TestServers.LLAMA_ID + "']");
        waiting().until(d -> !d.findElements(row).isEmpty());
        int before = Integer.parseInt(browser.findElement(row).findElement(By.className("m-invocations")).getText());
        HttpResponse<String> invoked = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                        URI.create(base + "/model/" + TestServers.LLAMA_ID + "/invoke"))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"prompt\":\"hi\",\"max_gen_len\":3}")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(200, invoked.statusCode());
        waiting().until(d -> Integer.parseInt(d.findElement(row).findElement(By.className("m-invocations")).getText())
                > before);
        waiting().until(d -> !d.findElements(By.cssSelector("#tps-chart canvas")).isEmpty());
        assertTrue(browser.findElement(row).findElement(By.className("m-kv")).getText().endsWith("%"));
        screenshot("metrics");
    }

    @Test
    @Timeout(value = 180, unit = TimeUnit.SECONDS)
    void aFineTuningJobsLossCurveAndFilesAreShown() throws Exception {
        Path data = workDir.resolve(".local-bedrock/s3/console-data/train.jsonl");
        Files.createDirectories(data.getParent());
        StringBuilder jsonl = new StringBuilder();
        for (int i = 0; i < 12; i++) {
            jsonl.append("{\"input\": \"Question ").append(i).append("\", \"output\": \"Answer ").append(i)
                    .append("\"}\n");
        }
        Files.writeString(data, jsonl);
        Files.writeString(data.resolveSibling("validation.jsonl"), jsonl.substring(0, jsonl.indexOf("Question 4")
                - "{\"input\": \"".length()));
        String create = "{\"jobName\": \"console-job\", \"customModelName\": \"console-model\","
                + " \"roleArn\": \"arn:aws:iam::000000000000:role/R\", \"baseModelIdentifier\": \""
                + TestServers.LLAMA_ID + "\", \"trainingDataConfig\": {\"s3Uri\": \"s3://console-data/train.jsonl\"},"
                + " \"validationDataConfig\": {\"validators\": [{\"s3Uri\": \"s3://console-data/validation.jsonl\"}]},"
                + " \"outputDataConfig\": {\"s3Uri\": \"s3://console-out/runs/\"},"
                + " \"hyperParameters\": {\"epochCount\": \"2\", \"batchSize\": \"2\", \"learningRate\": \"0.001\"}}";
        HttpResponse<String> created = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                        URI.create(base + "/model-customization-jobs")).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(create)).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(201, created.statusCode(), created.body());

        open("jobs");
        By row = By.cssSelector("#jobs-table tr[data-job='console-job']");
        waiting().until(d -> !d.findElements(row).isEmpty());
        browser.findElement(row).findElement(By.className("job-open")).click();
        new WebDriverWait(browser, Duration.ofSeconds(120)).until(d -> byId("job-status").getText().equals("Completed"));
        waiting().until(d -> byId("loss-steps").getText().startsWith("12 steps"));
        assertFalse(browser.findElements(By.cssSelector("#loss-chart canvas")).isEmpty(), "the loss curve is drawn");
        String files = byId("job-files").getText();
        assertTrue(files.contains("training_artifacts/step_wise_training_metrics.csv"), files);
        assertTrue(files.contains("training_artifacts/loss_curve.png"), files);
        assertTrue(files.contains("validation_artifacts/post_fine_tuning_validation/validation_metrics.csv"), files);
        assertFalse(byId("job-loss").getText().equals("–"));
        screenshot("customization-jobs");
    }

    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void anImageIsGeneratedFromTheImagePlaygroundAndItsSeedReproducesIt() throws Exception {
        open("image");
        waiting().until(d -> byId("image-generate").isEnabled() && !d.findElements(By.id("image-param-steps")).isEmpty());
        assertEquals(IMAGE_MODEL, new Select(byId("image-model")).getFirstSelectedOption().getText());
        List<String> samplers = new Select(byId("image-param-sampler")).getOptions().stream()
                .map(WebElement::getText).toList();
        assertEquals(List.of("(none)", "DDIM", "K_DPMPP_2M", "K_EULER", "K_EULER_ANCESTRAL"), samplers,
                "the sampler control offers what the server runs");
        setValue("image-prompt", "a lighthouse on a cliff at dawn");
        setValue("image-negative", "blurry");
        setValue("image-param-steps", "10");
        setValue("image-param-seed", "4242");
        new Select(byId("image-size")).selectByVisibleText("1152x896");
        byId("image-generate").click();
        waiting().until(d -> !d.findElements(By.cssSelector("#image-results img")).isEmpty()
                || !byId("image-error").getText().isEmpty());
        assertEquals("", byId("image-error").getText());
        WebElement img = browser.findElement(By.cssSelector("#image-results img"));
        assertEquals(1152L, ((JavascriptExecutor) browser).executeScript("return arguments[0].naturalWidth", img));
        assertEquals(896L, ((JavascriptExecutor) browser).executeScript("return arguments[0].naturalHeight", img));
        assertTrue(byId("image-results").getText().contains("Seed 4242 · SUCCESS"), byId("image-results").getText());
        screenshot("image-playground");

        // The shown request body, sent by a plain client, gives the very image the page shows.
        String shown = ((JavascriptExecutor) browser).executeScript(
                "return document.getElementById('image-request-body').textContent").toString();
        JsonNode body = JSON.readTree(shown);
        assertEquals(-1, body.get("text_prompts").get(1).get("weight").asInt());
        assertEquals(1152, body.get("width").asInt());
        HttpResponse<String> direct = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                        URI.create(base + "/model/" + IMAGE_MODEL + "/invoke"))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(shown)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(200, direct.statusCode(), direct.body());
        String src = img.getAttribute("src");
        assertEquals("data:image/png;base64," + JSON.readTree(direct.body()).get("artifacts").get(0).get("base64")
                .asText(), src);
    }

    @Test
    void anotherSitesBrowserRequestsAreRefused() throws Exception {
        HttpResponse<String> forged = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                        URI.create(base + "/provisioned-model-throughput"))
                .header("Content-Type", "text/plain").header("Origin", "https://evil.example")
                .POST(HttpRequest.BodyPublishers.ofString("{\"provisionedModelName\": \"forged\", \"modelId\": \""
                        + TestServers.LLAMA_ID + "\", \"modelUnits\": 1}")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(403, forged.statusCode(), forged.body());
        assertTrue(forged.headers().firstValue("x-amzn-ErrorType").orElse("").startsWith("AccessDeniedException"));
        assertTrue(forged.body().contains("https://evil.example"), forged.body());
        JsonNode listed = JSON.readTree(HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(base
                + "/provisioned-model-throughputs")).GET().build(), HttpResponse.BodyHandlers.ofString()).body());
        for (JsonNode p : listed.get("provisionedModelSummaries")) {
            assertFalse(p.get("provisionedModelName").asText().equals("forged"), "nothing was created");
        }
    }

    /**
     * axe-core (WCAG 2 A and AA rules) on every page, after its data has loaded: labels, names, contrast, landmarks,
     * keyboard focusability. Any violation fails with axe's own description of it.
     */
    @Test
    @Timeout(value = 300, unit = TimeUnit.SECONDS)
    void everyPagePassesAnAutomatedAccessibilityCheck() throws Exception {
        String axe = Files.readString(Axe.install());
        for (String page : List.of("text", "chat", "image", "examples", "provisioned", "jobs", "metrics", "access")) {
            open(page);
            waiting().until(d -> ((JavascriptExecutor) d).executeScript(
                    "return document.readyState === 'complete' && !!window.Alpine").equals(Boolean.TRUE));
            Thread.sleep(1500); // the page's first fetches (models, tables, lists) render
            ((JavascriptExecutor) browser).executeScript(axe);
            Object result = ((JavascriptExecutor) browser).executeAsyncScript(
                    "const done = arguments[arguments.length - 1];"
                    + "axe.run(document, {runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa']}})"
                    + ".then(r => done(JSON.stringify(r.violations.map(v => ({id: v.id, impact: v.impact,"
                    + " help: v.help, nodes: v.nodes.map(n => n.target.join(' ') + ': ' + n.failureSummary)})))))"
                    + ".catch(e => done('axe failed: ' + e));");
            assertEquals("[]", String.valueOf(result), "accessibility violations on #" + page);
        }
    }

    /** axe-core from the pinned npm lock file, installed once under target/ (npm ci, as the JS SDK test does). */
    static final class Axe {
        static final Path SOURCES = Path.of("src", "test", "a11y");
        static final Path INSTALL = Path.of("target", "a11y");

        static Path install() throws Exception {
            Path script = INSTALL.resolve("node_modules/axe-core/axe.min.js");
            if (!Files.isRegularFile(script)) {
                Files.createDirectories(INSTALL);
                for (String file : List.of("package.json", "package-lock.json")) {
                    Files.copy(SOURCES.resolve(file), INSTALL.resolve(file),
                            java.nio.file.StandardCopyOption.REPLACE_EXISTING);
                }
                Process npm = new ProcessBuilder("npm", "ci", "--no-audit", "--no-fund").directory(INSTALL.toFile())
                        .redirectErrorStream(true).redirectOutput(INSTALL.resolve("npm.log").toFile()).start();
                assertTrue(npm.waitFor(300, TimeUnit.SECONDS), "npm ci finished");
                assertEquals(0, npm.exitValue(), "npm ci failed:\n" + Files.readString(INSTALL.resolve("npm.log")));
            }
            return script;
        }
    }

    /** Debian's chromium and its chromedriver, headless; never Selenium Manager (it would download). */
    static final class BrowserDriver {
        static final List<String> BROWSERS = List.of("/usr/bin/chromium", "/usr/bin/chromium-browser");
        static final List<String> DRIVERS = List.of("/usr/bin/chromedriver", "/usr/lib/chromium/chromedriver");

        static WebDriver start() {
            String binary = BROWSERS.stream().filter(p -> new File(p).canExecute()).findFirst().orElseThrow(() ->
                    new IllegalStateException("no chromium in " + BROWSERS + ": run ./test.sh (it installs Debian's "
                            + "chromium and chromium-driver) or apt-get install chromium chromium-driver"));
            String driver = DRIVERS.stream().filter(p -> new File(p).canExecute()).findFirst().orElseThrow(() ->
                    new IllegalStateException("no chromedriver in " + DRIVERS + ": apt-get install chromium-driver"));
            ChromeOptions options = new ChromeOptions();
            // The page's console messages, for failure reports.
            options.setCapability("goog:loggingPrefs", java.util.Map.of("browser", "ALL"));
            options.setBinary(binary);
            options.addArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                    "--window-size=1280,900", "--lang=en-US");
            ChromeDriverService drivers = new ChromeDriverService.Builder()
                    .usingDriverExecutable(new File(driver)).usingAnyFreePort().build();
            ChromeDriver d = new ChromeDriver(drivers, options);
            ((JavascriptExecutor) d).executeScript("return 1");
            return d;
        }
    }
}
