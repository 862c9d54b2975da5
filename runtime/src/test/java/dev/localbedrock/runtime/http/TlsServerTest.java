package dev.localbedrock.runtime.http;

import dev.localbedrock.codecs.BedrockException;
import dev.localbedrock.runtime.ModelTarget;
import dev.localbedrock.runtime.catalog.ServerSettings;
import dev.localbedrock.runtime.catalog.TlsSettings;
import dev.localbedrock.runtime.controlplane.FoundationModels;
import dev.localbedrock.runtime.tls.TlsConfigurationException;
import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.http2.Http2SecurityUtil;
import io.netty.handler.ssl.OpenSsl;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslProvider;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.openssl.jcajce.JcaPKCS8Generator;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSession;
import javax.net.ssl.TrustManagerFactory;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.StringWriter;
import java.math.BigInteger;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.interfaces.ECPublicKey;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The TLS port with real sockets, over a service that knows no model (what is tested is the connection, not the
 * models): the self-signed certificate and its reuse, operator PEM files, ALPN, the protocol and suite policy, and
 * that a plain-HTTP or silent client is closed rather than held.
 */
class TlsServerTest {
    private static final EventLoopGroup CLIENTS = new NioEventLoopGroup(1);

    @TempDir
    Path dir;
    private BedrockServer server;
    private InetSocketAddress plainAddress;

    private static final class NoModels implements RuntimeApi {
        @Override
        public ModelTarget resolve(String modelId) {
            throw BedrockException.notFound("no model " + modelId);
        }

        @Override
        public FoundationModels foundationModels() {
            return new FoundationModels(List.of(), "us-east-1");
        }
    }

    @AfterEach
    void stop() {
        if (server != null) {
            server.close();
        }
    }

    @AfterAll
    static void stopClients() {
        CLIENTS.shutdownGracefully(0, 1, TimeUnit.SECONDS);
    }

    private BedrockServer start(TlsSettings tls) throws InterruptedException {
        BedrockServer s = new BedrockServer(new ServerSettings("127.0.0.1", 0, 1 << 20, Duration.ofSeconds(1))
                .withTls(tls), new NoModels());
        plainAddress = s.start();
        return s;
    }

    private TlsSettings selfSigned() {
        return new TlsSettings(0, null, null, dir.resolve("tls"), Duration.ofSeconds(1));
    }

    private int tlsPort() {
        return server.tlsAddress().getPort();
    }

    @Test
    void selfSignedCertificateIsWrittenOnceAndReusedAcrossARestart() throws Exception {
        server = start(selfSigned());
        Path certFile = dir.resolve("tls/cert.pem");
        Path keyFile = dir.resolve("tls/key.pem");
        String fingerprint = server.tlsCertificate().sha256Fingerprint();
        assertTrue(fingerprint.matches("([0-9A-F]{2}:){31}[0-9A-F]{2}"), fingerprint);
        assertTrue(Files.readString(keyFile).startsWith("-----BEGIN PRIVATE KEY-----"), "PKCS#8");
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(keyFile)));

        X509Certificate cert = readCert(certFile);
        assertEquals(256, ((ECPublicKey) cert.getPublicKey()).getParams().getCurve().getField().getFieldSize());
        List<String> names = cert.getSubjectAlternativeNames().stream().map(n -> n.get(1).toString()).toList();
        assertTrue(names.contains("localhost") && names.contains("127.0.0.1"), names.toString());
        assertTrue(names.stream().anyMatch(n -> n.startsWith("0:0:0:0:0:0:0:1")), names.toString());
        long days = Duration.between(Instant.now(), cert.getNotAfter().toInstant()).toDays();
        assertTrue(days >= 364 && days <= 366, days + " days");
        // What the port presents is the file's certificate.
        assertArrayEquals(cert.getEncoded(), handshake(client(certFile, "TLSv1.3", null)).getPeerCertificates()[0]
                .getEncoded());
        String pem = Files.readString(certFile);
        server.close();

        server = start(selfSigned());
        assertEquals(fingerprint, server.tlsCertificate().sha256Fingerprint());
        assertEquals(pem, Files.readString(certFile), "reused, not rewritten");
        assertArrayEquals(cert.getEncoded(), handshake(client(certFile, "TLSv1.3", null)).getPeerCertificates()[0]
                .getEncoded());
    }

    @Test
    void alpnGivesHttp2ToWhoAsksAndHttp11ToTheRest() throws Exception {
        server = start(selfSigned());
        SSLContext trust = trusting(dir.resolve("tls/cert.pem"));
        for (HttpClient.Version version : List.of(HttpClient.Version.HTTP_2, HttpClient.Version.HTTP_1_1)) {
            {
                HttpClient http = HttpClient.newBuilder().sslContext(trust).version(version)
                        .connectTimeout(Duration.ofSeconds(10)).build();
                HttpResponse<String> response = http.send(HttpRequest.newBuilder(
                                URI.create("https://localhost:" + tlsPort() + "/model/no-such-model/invoke"))
                        .timeout(Duration.ofSeconds(30)).header("Content-Type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofString("{}")).build(), HttpResponse.BodyHandlers.ofString());
                assertEquals(version, response.version());
                // The request went through the whole pipeline to the API, which answered in AWS's shape.
                assertTrue(response.headers().firstValue("x-amzn-ErrorType").isPresent(), response.toString());
            }
        }
        // The plain port still speaks plain HTTP.
        HttpResponse<String> plain = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                        URI.create("http://127.0.0.1:" + serverPort() + "/model/x/invoke"))
                .POST(HttpRequest.BodyPublishers.ofString("{}")).build(), HttpResponse.BodyHandlers.ofString());
        assertTrue(plain.headers().firstValue("x-amzn-ErrorType").isPresent());
    }

    @Test
    void onlyTls13And12AreSpoken() throws Exception {
        Assumptions.assumeTrue(OpenSsl.isAvailable(), "an OpenSSL client offers TLS 1.1 and 1.0");
        server = start(selfSigned());
        Path cert = dir.resolve("tls/cert.pem");
        assertEquals("TLSv1.3", handshake(client(cert, "TLSv1.3", null)).getProtocol());
        assertEquals("TLSv1.2", handshake(client(cert, "TLSv1.2", null)).getProtocol());
        String legacySuite = "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA";
        // The same client completes TLS 1.1 and 1.0 with a server that allows them, so the refusal is the server's.
        try (var permissive = permissiveServer(cert, dir.resolve("tls/key.pem"))) {
            assertEquals("TLSv1.1", handshake(client(cert, "TLSv1.1", legacySuite), permissive.port).getProtocol());
        }
        assertThrows(Exception.class, () -> handshake(client(cert, "TLSv1.1", legacySuite)));
        assertThrows(Exception.class, () -> handshake(client(cert, "TLSv1", legacySuite)));
    }

    @Test
    void tls12OffersForwardSecretAeadSuitesOnly() throws Exception {
        Assumptions.assumeTrue(OpenSsl.isAvailable(), "an OpenSSL client offers any suite");
        server = start(selfSigned());
        Path cert = dir.resolve("tls/cert.pem");
        assertEquals("TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256",
                handshake(client(cert, "TLSv1.2", "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256")).getCipherSuite());
        assertEquals("TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256",
                handshake(client(cert, "TLSv1.2", "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256")).getCipherSuite());
        try (var permissive = permissiveServer(cert, dir.resolve("tls/key.pem"))) {
            handshake(client(cert, "TLSv1.2", "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA"), permissive.port);
        }
        // Forward secret but CBC with a SHA-1 MAC: refused.
        assertThrows(Exception.class, () -> handshake(client(cert, "TLSv1.2", "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA")));
        assertTrue(Http2SecurityUtil.CIPHERS.containsAll(TlsServerContext.CIPHER_SUITES.subList(3,
                TlsServerContext.CIPHER_SUITES.size())), "every TLS 1.2 suite is one HTTP/2 accepts");
    }

    @Test
    void operatorPemFilesAreServedAndStaticRsaKeyExchangeIsRefused() throws Exception {
        Path cert = dir.resolve("operator-cert.pem");
        Path key = dir.resolve("operator-key.pem");
        writeRsaPair(cert, key);
        server = start(new TlsSettings(0, cert, key, dir.resolve("tls"), Duration.ofSeconds(1)));
        assertFalse(Files.exists(dir.resolve("tls/cert.pem")), "no self-signed certificate generated");
        assertArrayEquals(readCert(cert).getEncoded(),
                handshake(client(cert, "TLSv1.3", null)).getPeerCertificates()[0].getEncoded());
        Assumptions.assumeTrue(OpenSsl.isAvailable(), "an OpenSSL client offers static RSA key exchange");
        assertEquals("TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
                handshake(client(cert, "TLSv1.2", "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256")).getCipherSuite());
        try (var permissive = permissiveServer(cert, key)) {
            handshake(client(cert, "TLSv1.2", "TLS_RSA_WITH_AES_128_GCM_SHA256"), permissive.port);
        }
        // AEAD but no forward secrecy (the session key travels under the certificate's RSA key): refused.
        assertThrows(Exception.class, () -> handshake(client(cert, "TLSv1.2", "TLS_RSA_WITH_AES_128_GCM_SHA256")));
    }

    @Test
    void unusablePemFilesFailTheStartNamingTheFile() throws Exception {
        Path cert = dir.resolve("operator-cert.pem");
        Path key = dir.resolve("operator-key.pem");
        writeRsaPair(cert, key);
        Path missing = dir.resolve("missing.pem");
        TlsConfigurationException e = assertThrows(TlsConfigurationException.class,
                () -> start(new TlsSettings(0, missing, key, dir.resolve("tls"), Duration.ofSeconds(1))));
        assertTrue(e.getMessage().contains(missing.toString()) && e.getMessage().contains("does not exist"),
                e.getMessage());

        Path garbage = dir.resolve("garbage.pem");
        Files.writeString(garbage, "not a key\n");
        e = assertThrows(TlsConfigurationException.class,
                () -> start(new TlsSettings(0, cert, garbage, dir.resolve("tls"), Duration.ofSeconds(1))));
        assertTrue(e.getMessage().contains(garbage.toString()), e.getMessage());

        Path otherCert = dir.resolve("other-cert.pem");
        writeRsaPair(otherCert, dir.resolve("other-key.pem"));
        e = assertThrows(TlsConfigurationException.class,
                () -> start(new TlsSettings(0, otherCert, key, dir.resolve("tls"), Duration.ofSeconds(1))));
        assertTrue(e.getMessage().contains(key.toString()) && e.getMessage().contains(otherCert.toString())
                && e.getMessage().contains("does not belong"), e.getMessage());
    }

    @Test
    void plainHttpOnTheTlsPortIsClosed() throws Exception {
        server = start(selfSigned());
        try (Socket socket = new Socket("127.0.0.1", tlsPort())) {
            socket.setSoTimeout(20_000);
            OutputStream out = socket.getOutputStream();
            out.write("GET /foundation-models HTTP/1.1\r\nHost: localhost\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            assertClosed(socket.getInputStream());
        }
    }

    @Test
    void aHandshakeThatNeverCompletesTimesOut() throws Exception {
        server = start(selfSigned());
        try (Socket socket = new Socket("127.0.0.1", tlsPort())) {
            socket.setSoTimeout(20_000);
            // Connected, sends nothing: the 1 s handshake deadline closes it (not the 120 s idle timeout).
            assertClosed(socket.getInputStream());
        }
    }

    /** Reads until the server closes; a read timeout (a held connection) fails the test. */
    private static void assertClosed(InputStream in) throws Exception {
        try {
            byte[] buffer = new byte[4096];
            while (in.read(buffer) != -1) {
                // An alert may come first; what matters is the end.
            }
        } catch (SocketException reset) {
            // Closed with unread data pending: a reset is a close too.
        }
    }

    private int serverPort() {
        return plainAddress.getPort();
    }

    // --- clients ---

    /** An OpenSSL (else JDK) client trusting only {@code cert}, with one protocol and optionally one suite. */
    private static SslContext client(Path cert, String protocol, String suite) throws Exception {
        SslContextBuilder b = SslContextBuilder.forClient()
                .sslProvider(OpenSsl.isAvailable() ? SslProvider.OPENSSL : SslProvider.JDK)
                .trustManager(cert.toFile()).protocols(protocol);
        if (suite != null) {
            b.ciphers(List.of(suite));
        }
        return b.build();
    }

    private SSLSession handshake(SslContext client) throws Exception {
        return handshake(client, tlsPort());
    }

    private static SSLSession handshake(SslContext client, int port) throws Exception {
        Channel ch = new Bootstrap().group(CLIENTS).channel(NioSocketChannel.class)
                .handler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel c) {
                        c.pipeline().addLast(client.newHandler(c.alloc(), "localhost", port));
                    }
                }).connect("127.0.0.1", port).sync().channel();
        try {
            SslHandler tls = ch.pipeline().get(SslHandler.class);
            assertTrue(tls.handshakeFuture().await(20, TimeUnit.SECONDS), "handshake neither completed nor failed");
            if (!tls.handshakeFuture().isSuccess()) {
                throw new Exception("handshake failed", tls.handshakeFuture().cause());
            }
            return tls.engine().getSession();
        } finally {
            ch.close().sync();
        }
    }

    /** A TLS server with the same certificate that accepts TLS 1.0 to 1.3 and any suite: the tests' control. */
    private static final class PermissiveServer implements AutoCloseable {
        final Channel channel;
        final int port;

        PermissiveServer(Channel channel) {
            this.channel = channel;
            this.port = ((InetSocketAddress) channel.localAddress()).getPort();
        }

        @Override
        public void close() {
            channel.close().syncUninterruptibly();
        }
    }

    private static PermissiveServer permissiveServer(Path cert, Path key) throws Exception {
        SslContext ctx = SslContextBuilder.forServer(cert.toFile(), key.toFile()).sslProvider(SslProvider.OPENSSL)
                .protocols("TLSv1.3", "TLSv1.2", "TLSv1.1", "TLSv1")
                .ciphers(List.of("TLS_AES_128_GCM_SHA256", "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA",
                        "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA", "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256",
                        "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256", "TLS_RSA_WITH_AES_128_GCM_SHA256")).build();
        Channel ch = new ServerBootstrap().group(CLIENTS).channel(NioServerSocketChannel.class)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel c) {
                        c.pipeline().addLast(ctx.newHandler(c.alloc()));
                    }
                }).bind("127.0.0.1", 0).sync().channel();
        return new PermissiveServer(ch);
    }

    static SSLContext trusting(Path certFile) throws Exception {
        KeyStore store = KeyStore.getInstance(KeyStore.getDefaultType());
        store.load(null, null);
        store.setCertificateEntry("local-bedrock", readCert(certFile));
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(store);
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(null, tmf.getTrustManagers(), null);
        return context;
    }

    static X509Certificate readCert(Path file) throws Exception {
        try (InputStream in = Files.newInputStream(file)) {
            return (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(in);
        }
    }

    /** An operator's RSA certificate for localhost/127.0.0.1 and its PKCS#8 key, as PEM files. */
    static void writeRsaPair(Path cert, Path key) throws Exception {
        KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
        generator.initialize(2048);
        KeyPair pair = generator.generateKeyPair();
        X500Name name = new X500Name("CN=localhost,O=Operator");
        var builder = new JcaX509v3CertificateBuilder(name, BigInteger.valueOf(System.nanoTime()),
                Date.from(Instant.now().minusSeconds(3600)), Date.from(Instant.now().plus(Duration.ofDays(30))), name,
                pair.getPublic());
        builder.addExtension(Extension.subjectAlternativeName, false, new GeneralNames(new GeneralName[] {
                new GeneralName(GeneralName.dNSName, "localhost"), new GeneralName(GeneralName.iPAddress, "127.0.0.1")}));
        X509Certificate certificate = new JcaX509CertificateConverter().getCertificate(
                builder.build(new JcaContentSignerBuilder("SHA256withRSA").build(pair.getPrivate())));
        Files.writeString(cert, pem(certificate));
        Files.writeString(key, pem(new JcaPKCS8Generator(pair.getPrivate(), null)));
    }

    private static String pem(Object o) throws Exception {
        StringWriter text = new StringWriter();
        try (JcaPEMWriter w = new JcaPEMWriter(text)) {
            w.writeObject(o);
        }
        return text.toString();
    }

}
