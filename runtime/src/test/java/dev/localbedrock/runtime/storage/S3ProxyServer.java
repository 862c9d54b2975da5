package dev.localbedrock.runtime.storage;

import dev.localbedrock.runtime.catalog.StorageSettings;
import org.gaul.s3proxy.AuthenticationType;
import org.gaul.s3proxy.S3Proxy;
import org.jclouds.ContextBuilder;
import org.jclouds.blobstore.BlobStore;
import org.jclouds.blobstore.BlobStoreContext;

import java.net.URI;
import java.nio.file.Path;

/**
 * A real S3-compatible server for tests: S3Proxy on loopback over jclouds' in-memory blob store, with SigV4
 * authentication on. Stopping and starting it again (same port, same blobs) plays an endpoint that goes down.
 */
public final class S3ProxyServer implements AutoCloseable {
    public static final String ACCESS_KEY = "test-access-key";
    public static final String SECRET_KEY = "test-secret-key";
    private final BlobStoreContext context;
    private final BlobStore blobs;
    private S3Proxy proxy;
    private int port;

    public S3ProxyServer() throws Exception {
        context = ContextBuilder.newBuilder("transient").credentials("identity", "credential")
                .build(BlobStoreContext.class);
        blobs = context.getBlobStore();
        start(0);
    }

    public void createBucket(String name) {
        blobs.createContainerInLocation(null, name);
    }

    private void start(int wantedPort) throws Exception {
        proxy = S3Proxy.builder().blobStore(blobs).endpoint(URI.create("http://127.0.0.1:" + wantedPort))
                .awsAuthentication(AuthenticationType.AWS_V2_OR_V4, ACCESS_KEY, SECRET_KEY).build();
        proxy.start();
        while (!proxy.getState().equals("STARTED")) {
            Thread.sleep(10);
        }
        port = proxy.getPort();
    }

    /** The endpoint goes down: connections are refused until {@link #restart}. */
    public void stop() throws Exception {
        proxy.stop();
    }

    /** Back on the same port, with the same objects. */
    public void restart() throws Exception {
        start(port);
    }

    public URI endpoint() {
        return URI.create("http://127.0.0.1:" + port);
    }

    /** Storage settings that point the S3 client here. */
    public StorageSettings settings(Path localDir) {
        return new StorageSettings(endpoint(), localDir, "us-east-1", true, ACCESS_KEY, SECRET_KEY);
    }

    @Override
    public void close() throws Exception {
        proxy.stop();
        context.close();
    }
}
