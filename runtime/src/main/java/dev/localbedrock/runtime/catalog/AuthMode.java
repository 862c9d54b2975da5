package dev.localbedrock.runtime.catalog;

import java.util.Locale;

/**
 * How the server treats the SigV4 signature every SDK sends ({@code server.auth} in models.yaml).
 * <ul>
 *   <li>{@code open} (the default): no signature is checked and no policy applies; the caller is named after the
 *   access key id it claims. For offline tests and a single trusted user: the SDKs' dummy credentials just work.</li>
 *   <li>{@code sigv4}: every call but {@code /ping} and {@code /live} must be signed with a key the server issued
 *   ({@code bedrock-runtime keys create}), and the key's principal must be allowed the action by its policies.</li>
 * </ul>
 */
public enum AuthMode {
    OPEN, SIGV4;

    static AuthMode parse(String text, String where) {
        return switch (text.toLowerCase(Locale.ROOT)) {
            case "open" -> OPEN;
            case "sigv4" -> SIGV4;
            default -> throw new CatalogException(where + ": 'auth' must be open or sigv4, not '" + text + "'");
        };
    }

    /** The value as models.yaml writes it. */
    public String yaml() {
        return name().toLowerCase(Locale.ROOT);
    }
}
