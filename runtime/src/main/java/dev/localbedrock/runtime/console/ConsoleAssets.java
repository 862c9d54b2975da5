package dev.localbedrock.runtime.console;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;

/**
 * The browser console's static files, served from the jar at {@code /console/}: the project's own pages under the
 * class-path folder {@code console/}, and the pinned UI libraries from their WebJars under {@code /console/vendor/}.
 * Nothing is fetched from a CDN, so the console works offline; nothing outside these two roots can be named (the path
 * is checked against a strict pattern before it reaches the class loader, so {@code ..} and encoded tricks never do).
 * Files are read once and kept: they are a few hundred kilobytes in all.
 */
public final class ConsoleAssets {
    /** Where the console lives on the server. */
    public static final String ROOT = "/console/";

    /** Each vendored library by the name the pages use, onto its WebJar file (versions pinned in runtime/pom.xml). */
    static final Map<String, String> VENDOR = Map.of(
            "alpine.js", "META-INF/resources/webjars/alpinejs/3.14.1/dist/cdn.min.js",
            "uplot.js", "META-INF/resources/webjars/uplot/1.6.30/dist/uPlot.iife.min.js",
            "uplot.css", "META-INF/resources/webjars/uplot/1.6.30/dist/uPlot.min.css");

    private static final Pattern OWN_FILE = Pattern.compile("[a-z0-9][a-z0-9-]*(/[a-z0-9][a-z0-9-]*)*\\.(html|js|css|svg|json|png)");
    private static final Map<String, String> TYPES = Map.of(
            "html", "text/html; charset=utf-8", "js", "text/javascript; charset=utf-8", "css",
            "text/css; charset=utf-8", "svg", "image/svg+xml", "json", "application/json", "png", "image/png");

    /** One file to send. */
    public record Asset(byte[] body, String contentType) {
    }

    private final Map<String, Optional<Asset>> cache = new ConcurrentHashMap<>();

    /** Whether a request path belongs to the console (so the API router never sees it). */
    public static boolean isConsolePath(String path) {
        return path.equals("/console") || path.startsWith(ROOT);
    }

    /**
     * The file for a request path ({@code /console/} and {@code /console} are the index page).
     *
     * @return empty for a path that names no console file
     */
    public Optional<Asset> find(String path) {
        if (!isConsolePath(path)) {
            return Optional.empty();
        }
        String rest = path.length() <= ROOT.length() ? "" : path.substring(ROOT.length());
        String resource;
        if (rest.isEmpty()) {
            resource = "console/index.html";
        } else if (rest.startsWith("vendor/")) {
            resource = VENDOR.get(rest.substring("vendor/".length()));
        } else {
            resource = OWN_FILE.matcher(rest).matches() ? "console/" + rest : null;
        }
        if (resource == null) {
            return Optional.empty();
        }
        return cache.computeIfAbsent(resource, ConsoleAssets::load);
    }

    private static Optional<Asset> load(String resource) {
        try (InputStream in = ConsoleAssets.class.getClassLoader().getResourceAsStream(resource)) {
            if (in == null) {
                return Optional.empty();
            }
            String ext = resource.substring(resource.lastIndexOf('.') + 1);
            return Optional.of(new Asset(in.readAllBytes(), TYPES.getOrDefault(ext, "application/octet-stream")));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the console file " + resource, e);
        }
    }
}
