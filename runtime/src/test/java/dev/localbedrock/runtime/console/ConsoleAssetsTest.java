package dev.localbedrock.runtime.console;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ConsoleAssetsTest {
    final ConsoleAssets assets = new ConsoleAssets();

    @Test
    void theIndexPageAndTheConsolesOwnFiles() {
        ConsoleAssets.Asset index = assets.find("/console/").orElseThrow();
        assertEquals("text/html; charset=utf-8", index.contentType());
        String html = new String(index.body(), StandardCharsets.UTF_8);
        assertTrue(html.contains("vendor/alpine.js"), "the page loads the pinned library from this server");
        assertFalse(html.contains("http://") || html.contains("https://"), "no CDN: the console works offline");
        assertEquals("text/javascript; charset=utf-8", assets.find("/console/console.js").orElseThrow().contentType());
        assertEquals("text/css; charset=utf-8", assets.find("/console/console.css").orElseThrow().contentType());
    }

    @Test
    void everyVendoredLibraryIsOnTheClassPath() {
        for (String name : ConsoleAssets.VENDOR.keySet()) {
            assertTrue(assets.find("/console/vendor/" + name).orElseThrow().body().length > 1000, name);
        }
    }

    @Test
    void nothingOutsideTheTwoRootsCanBeNamed() {
        for (String path : new String[] {"/console/../logback.xml", "/console/..%2Flogback.xml",
            "/console/vendor/../../META-INF/MANIFEST.MF", "/console/vendor/jquery.js", "/console/missing.js",
            "/console/Console.JS", "/console//console.js", "/console/.hidden.js", "/consoles/index.html",
            "/console/dev/localbedrock/runtime/BedrockService.class"}) {
            assertTrue(assets.find(path).isEmpty(), path);
        }
        assertTrue(ConsoleAssets.isConsolePath("/console"));
        assertFalse(ConsoleAssets.isConsolePath("/consoles"));
    }
}
