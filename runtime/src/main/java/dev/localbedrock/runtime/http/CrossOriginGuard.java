package dev.localbedrock.runtime.http;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;

import java.net.URI;
import java.util.Locale;

/**
 * Refuses API calls a browser makes on behalf of another site (cross-site request forgery). With the console served
 * from the API port, a page elsewhere could otherwise have a user's browser POST a form to it — in {@code open} mode,
 * where nothing is signed, that would run. Browsers say where a request comes from: {@code Sec-Fetch-Site}
 * ({@code same-origin}, {@code same-site}, {@code cross-site}, {@code none}) and {@code Origin} on every POST and on
 * cross-origin requests. A call that carries either and comes from another origin is refused; the AWS SDKs and the
 * CLI send neither, so they are never affected.
 */
final class CrossOriginGuard {
    private CrossOriginGuard() {
    }

    /** @return why the call is refused, or null when it is not a cross-origin browser request */
    static String refusal(HttpHeaders headers) {
        String fetchSite = headers.get("Sec-Fetch-Site");
        if (fetchSite != null) {
            String site = fetchSite.trim().toLowerCase(Locale.ROOT);
            if (site.equals("cross-site") || site.equals("same-site")) {
                return "The request came from another site (Sec-Fetch-Site: " + fetchSite + "); this server refuses "
                        + "cross-origin browser requests. Call it from its own console or from an SDK.";
            }
        }
        String origin = headers.get(HttpHeaderNames.ORIGIN);
        if (origin == null) {
            return null;
        }
        String host = headers.get(HttpHeaderNames.HOST);
        if (host == null || !sameHost(origin, host)) {
            return "The request came from " + origin + ", not from this server's own origin; this server refuses "
                    + "cross-origin browser requests. Call it from its own console or from an SDK.";
        }
        return null;
    }

    /** Whether an Origin ({@code scheme://host[:port]}, or {@code null} from opaque origins) names this Host. */
    private static boolean sameHost(String origin, String host) {
        if (origin.equals("null")) {
            return false;
        }
        try {
            URI o = URI.create(origin.trim());
            if (o.getHost() == null || !("http".equals(o.getScheme()) || "https".equals(o.getScheme()))) {
                return false;
            }
            String authority = o.getPort() < 0 ? o.getHost() : o.getHost() + ":" + o.getPort();
            return authority.equalsIgnoreCase(host.trim()) || o.getPort() < 0 && host.trim().equalsIgnoreCase(
                    o.getHost() + (o.getScheme().equals("https") ? ":443" : ":80"));
        } catch (IllegalArgumentException e) {
            return false;
        }
    }
}
