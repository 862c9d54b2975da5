package dev.localbedrock.runtime;

import dev.localbedrock.runtime.cli.InProcessCli;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.support.ui.Select;
import org.openqa.selenium.support.ui.WebDriverWait;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The console on a {@code server.auth: sigv4} server, in headless Chromium: unsigned, it asks for a key; a wrong
 * secret is refused with the verifier's own error; the right key pair becomes STS temporary credentials with which
 * the browser signs (WebCrypto SigV4) a streamed generation and a model-access change; nothing of the key is left in
 * the browser's storage or in the form; signing out asks again.
 */
class ConsoleSignInBrowserTest {
    static final String POLICY = """
            {"Version":"2012-10-17","Statement":[
             {"Effect":"Allow","Action":["bedrock:*"],"Resource":"*"}]}""";

    @TempDir
    static Path workDir;
    static BedrockService service;
    static WebDriver browser;
    static String base;
    static String keyId;
    static String secret;

    @BeforeAll
    static void start() throws Exception {
        service = TestServers.startTinyLlama(workDir, "auth: sigv4\n", "max_context_tokens: 256\n");
        base = "http://127.0.0.1:" + service.address().getPort();
        Path policy = Files.writeString(workDir.resolve("policy.json"), POLICY);
        InProcessCli.Run run = InProcessCli.run("keys", "create", "--config", workDir.resolve("models.yaml").toString(),
                "--principal", "carmen", "--policy", policy.toString(), "--json");
        assertEquals(0, run.exit(), run.err());
        var key = new com.fasterxml.jackson.databind.ObjectMapper().readTree(run.out());
        keyId = key.get("accessKeyId").asText();
        secret = key.get("secretAccessKey").asText();
        browser = ConsoleBrowserTest.BrowserDriver.start();
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
        return ConsoleBrowserTest.waiting(browser);
    }

    private static void type(String id, String value) {
        browser.findElement(By.id(id)).clear();
        browser.findElement(By.id(id)).sendKeys(value);
    }

    @Test
    @Timeout(value = 180, unit = TimeUnit.SECONDS)
    void theConsoleSignsInWithAKeyAndSignsEveryCall() throws Exception {
        browser.get(base + "/console/#text");
        waiting().until(d -> d.findElement(By.id("signin-form")).isDisplayed());
        assertFalse(browser.findElement(By.id("model")).isDisplayed(), "no page before signing in");

        type("signin-key", keyId);
        type("signin-secret", secret.substring(0, secret.length() - 1) + (secret.endsWith("A") ? "B" : "A"));
        browser.findElement(By.id("signin-submit")).click();
        waiting().until(d -> d.findElement(By.id("signin-error")).getText().startsWith("Sign-in failed"));
        assertTrue(browser.findElement(By.id("signin-error")).getText().contains("Signature"),
                browser.findElement(By.id("signin-error")).getText());

        type("signin-key", keyId);
        type("signin-secret", secret);
        browser.findElement(By.id("signin-submit")).click();
        waiting().until(d -> !d.findElements(By.id("param-max-gen-len")).isEmpty()
                && d.findElement(By.id("param-max-gen-len")).isDisplayed());
        assertTrue(browser.findElement(By.id("signed-in-as")).getText().startsWith(keyId));
        assertEquals("", browser.findElement(By.id("signin-secret")).getAttribute("value"), "the form forgot it");

        new Select(browser.findElement(By.id("model"))).selectByValue(TestServers.LLAMA_ID);
        type("prompt", "Once upon a time");
        type("param-temperature", "0");
        type("param-max-gen-len", "4");
        browser.findElement(By.id("run")).click();
        waiting().until(d -> d.findElement(By.id("run-status")).getText().startsWith("Done"));
        assertEquals("4", browser.findElement(By.id("stat-output")).getText(), "a signed, streamed generation");

        String stored = String.valueOf(((JavascriptExecutor) browser).executeScript(
                "return JSON.stringify(localStorage) + JSON.stringify(sessionStorage) + document.cookie"));
        assertFalse(stored.contains(secret) || stored.contains(keyId), "nothing of the key is stored: " + stored);

        // A signed PUT from another page (a hash change keeps the in-memory session).
        ((JavascriptExecutor) browser).executeScript("location.hash = '#access'");
        By row = By.cssSelector("#access-table tr[data-model='" + TestServers.LLAMA_ID + "']");
        waiting().until(d -> !d.findElements(row).isEmpty());
        browser.findElement(row).findElement(By.className("toggle-access")).click();
        waiting().until(d -> d.findElement(row).findElement(By.className("grant")).getText().equals("Not granted"));
        browser.findElement(row).findElement(By.className("toggle-access")).click();
        waiting().until(d -> d.findElement(row).findElement(By.className("grant")).getText().equals("Granted"));

        browser.findElement(By.id("sign-out")).click();
        waiting().until(d -> d.findElement(By.id("signin-form")).isDisplayed());
    }
}
