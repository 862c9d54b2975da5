package dev.localbedrock.runtime.catalog;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code server.tls}: off by default, on with a port, PEM paths relative to models.yaml, mistakes named. */
class TlsSectionTest {
    private static final Path BASE = Path.of("/srv/lb").toAbsolutePath();
    private static final String MODELS = "models:\n  - {id: meta.llama2-13b-chat-v1, family: meta-llama2, "
            + "source: generated:smoke-llama}\n";

    private static TlsSettings parse(String serverYaml) throws Exception {
        return CatalogLoader.parse(new ObjectMapper(new YAMLFactory()).readTree(serverYaml + MODELS), BASE,
                "models.yaml").server().tls();
    }

    @Test
    void offByDefaultWithTheSelfSignedFolderUnderTheCacheDir() throws Exception {
        for (String yaml : new String[] {"", "server: {port: 8080}\n", "server: {tls: {}}\n",
                "server: {tls: {port: null}}\n"}) {
            TlsSettings tls = parse(yaml);
            assertFalse(tls.enabled(), yaml);
            assertEquals(BASE.resolve(".local-bedrock/tls"), tls.generatedDir(), yaml);
        }
        assertEquals(BASE.resolve("cache/tls"), parse("cache_dir: cache\n").generatedDir());
        // --tls-port turns it on later.
        assertEquals(8443, ServerSettings.defaults().withTlsPort(8443).tls().port());
    }

    @Test
    void aPortTurnsItOnAndPemPathsResolveAgainstTheFile() throws Exception {
        TlsSettings tls = parse("server: {tls: {port: 8443, handshake_timeout_seconds: 2.5}}\n");
        assertTrue(tls.enabled());
        assertEquals(8443, tls.port());
        assertFalse(tls.operatorCertificate());
        assertNull(tls.certificate());
        assertEquals(Duration.ofMillis(2500), tls.handshakeTimeout());

        tls = parse("server: {tls: {port: 0, certificate: pki/cert.pem, private_key: /etc/key.pem}}\n");
        assertEquals(BASE.resolve("pki/cert.pem"), tls.certificate());
        assertEquals(Path.of("/etc/key.pem").toAbsolutePath(), tls.privateKey());
        assertTrue(tls.operatorCertificate());
    }

    @Test
    void mistakesNameTheKey() {
        assertMessage("server: {tls: {port: 70000}}\n", "models.yaml: server: tls: 'port' must be an integer");
        assertMessage("server: {tls: {port: 8443, certificate: c.pem}}\n", "'private_key' is not");
        assertMessage("server: {tls: {port: 8443, private_key: k.pem}}\n", "'certificate' is not");
        assertMessage("server: {tls: {port: 8443, cert: c.pem}}\n", "unknown key 'cert'");
        assertMessage("server: {tls: 8443}\n", "server: tls: expected a mapping");
        assertMessage("server: {port: 8443, tls: {port: 8443}}\n", "'port' must differ");
        assertMessage("server: {tls: {port: 1, handshake_timeout_seconds: 0}}\n", "'handshake_timeout_seconds'");
    }

    private static void assertMessage(String yaml, String expected) {
        CatalogException e = assertThrows(CatalogException.class, () -> parse(yaml));
        assertTrue(e.getMessage().contains(expected), e.getMessage());
    }
}
