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
 * "View API request" body, sent again by a plain HTTP client, gives the same greedy text; a generation stopped
 * mid-stream whose batch slot and KV are freed; model access revoked and granted again. Each page is photographed
 * into {@code docs/screenshots/} when {@code -Dconsole.screenshots=DIR} is set.
 */
class ConsoleBrowserTest {
    static final ObjectMapper JSON = new ObjectMapper();
    static final Duration WAIT = Duration.ofSeconds(30);

    @TempDir
    static Path workDir;
    static BedrockService service;
    static InMemorySchedulerMetrics metrics = new InMemorySchedulerMetrics();
    static WebDriver browser;
    static String base;

    @BeforeAll
    static void start() throws Exception {
        service = TestServers.startTinyLlama(workDir, "", "max_context_tokens: 2048\n",
                entry -> new WorkerHooks(AdmissionPolicy.FIFO, metrics));
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
        WebDriverWait wait = new WebDriverWait(browser, WAIT);
        wait.withMessage(() -> "the page shows: " + browser.findElement(By.tagName("body")).getText()
                + "\nbrowser log: " + browser.manage().logs().get(org.openqa.selenium.logging.LogType.BROWSER)
                .getAll());
        return wait;
    }

    private static WebElement byId(String id) {
        return browser.findElement(By.id(id));
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
        browser.get(base + "/console/#text");
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
    }

    @Test
    @Timeout(value = 180, unit = TimeUnit.SECONDS)
    void stopEndsTheStreamAndFreesTheBatchSlot() throws Exception {
        openPlayground();
        setValue("prompt", "Tell me a very long story");
        setValue("param-max-gen-len", "2048");
        byId("run").click();
        waiting().until(d -> !byId("completion").getText().isEmpty());
        byId("stop").click();
        waiting().until(d -> byId("run-status").getText().equals("Stopped"));
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
    void modelAccessIsRevokedAndGrantedFromItsPage() throws Exception {
        browser.get(base + "/console/#access");
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
