package dev.localbedrock.runtime.catalog;

import com.fasterxml.jackson.databind.JsonNode;

import java.nio.file.Path;
import java.util.Set;

import static dev.localbedrock.runtime.catalog.YamlValues.checkKeys;
import static dev.localbedrock.runtime.catalog.YamlValues.integer;
import static dev.localbedrock.runtime.catalog.YamlValues.seconds;
import static dev.localbedrock.runtime.catalog.YamlValues.text;

/**
 * {@code server.tls} of models.yaml. TLS is on when {@code port} is set (here or by {@code --tls-port}); the PEM
 * files are read when the server starts, so a file that is missing, unreadable or does not match its key fails the
 * start with the file's name (not the parse, which would not see a file replaced before the start).
 */
final class TlsSectionParser {
    private static final Set<String> KEYS = Set.of("port", "certificate", "private_key", "handshake_timeout_seconds");

    private TlsSectionParser() {
    }

    static TlsSettings parse(JsonNode node, Path base, Path cacheDir, String where) {
        TlsSettings off = TlsSettings.off(cacheDir);
        if (node == null || node.isNull()) {
            return off;
        }
        if (!node.isObject()) {
            throw new CatalogException(where + ": expected a mapping (port, certificate, private_key)");
        }
        checkKeys(node, KEYS, where);
        int port = integer(node, "port", TlsSettings.OFF, 0, 65535, where);
        String certificate = text(node, "certificate", null, where);
        String privateKey = text(node, "private_key", null, where);
        if (certificate != null && certificate.isEmpty()) {
            certificate = null;
        }
        if (privateKey != null && privateKey.isEmpty()) {
            privateKey = null;
        }
        if (certificate != null && privateKey == null) {
            throw new CatalogException(where + ": 'certificate' is set but 'private_key' is not; give both PEM files,"
                    + " or neither for the self-signed certificate");
        }
        if (privateKey != null && certificate == null) {
            throw new CatalogException(where + ": 'private_key' is set but 'certificate' is not; give both PEM files,"
                    + " or neither for the self-signed certificate");
        }
        return new TlsSettings(port,
                certificate == null ? null : base.resolve(certificate).normalize(),
                privateKey == null ? null : base.resolve(privateKey).normalize(),
                off.generatedDir(),
                seconds(node, "handshake_timeout_seconds", TlsSettings.DEFAULT_HANDSHAKE_TIMEOUT.toSeconds(), where));
    }
}
