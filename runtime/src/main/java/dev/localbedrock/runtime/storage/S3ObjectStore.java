package dev.localbedrock.runtime.storage;

import dev.localbedrock.runtime.catalog.StorageSettings;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.checksums.RequestChecksumCalculation;
import software.amazon.awssdk.core.checksums.ResponseChecksumValidation;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.S3Configuration;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;
import software.amazon.awssdk.services.s3.model.S3Object;

import java.util.List;
import java.util.Optional;

/**
 * Objects in an S3-compatible service (MinIO, Ceph RGW, a cloud region), through the AWS SDK's S3 client against
 * the configured endpoint. The SDK's own retries are left on (they cover a dropped connection or a 503); what still
 * fails is a {@link StorageException} for the caller to retry on its own schedule.
 */
public final class S3ObjectStore implements ObjectStore {
    private final S3Client s3;
    private final String endpoint;

    public S3ObjectStore(StorageSettings settings) {
        if (settings.s3Endpoint() == null) {
            throw new IllegalArgumentException("no s3_endpoint configured");
        }
        AwsCredentialsProvider credentials = settings.accessKeyId() == null
                ? DefaultCredentialsProvider.builder().build()
                : StaticCredentialsProvider.create(AwsBasicCredentials.create(settings.accessKeyId(),
                settings.secretAccessKey()));
        this.endpoint = settings.s3Endpoint().toString();
        this.s3 = S3Client.builder()
                .endpointOverride(settings.s3Endpoint())
                .region(Region.of(settings.region()))
                .forcePathStyle(settings.pathStyle())
                .credentialsProvider(credentials)
                // Self-hosted S3 servers (MinIO releases, Ceph, S3Proxy) often reject the SDK's newer default of
                // trailing CRC checksums over aws-chunked bodies: send checksums only where S3 requires them, and
                // plain signed bodies.
                .requestChecksumCalculation(RequestChecksumCalculation.WHEN_REQUIRED)
                .responseChecksumValidation(ResponseChecksumValidation.WHEN_REQUIRED)
                .serviceConfiguration(S3Configuration.builder().chunkedEncodingEnabled(false).build())
                .build();
    }

    @Override
    public void put(String bucket, String key, byte[] content) {
        try {
            s3.putObject(b -> b.bucket(bucket).key(key).contentLength((long) content.length),
                    RequestBody.fromBytes(content));
        } catch (SdkException e) {
            throw failure("write", bucket, key, e);
        }
    }

    @Override
    public Optional<byte[]> get(String bucket, String key) {
        try {
            return Optional.of(s3.getObjectAsBytes(b -> b.bucket(bucket).key(key)).asByteArray());
        } catch (NoSuchKeyException e) {
            return Optional.empty();
        } catch (SdkException e) {
            throw failure("read", bucket, key, e);
        }
    }

    @Override
    public List<String> list(String bucket, String prefix) {
        try {
            return s3.listObjectsV2Paginator(b -> b.bucket(bucket).prefix(prefix == null ? "" : prefix)).contents()
                    .stream().map(S3Object::key).sorted().toList();
        } catch (SdkException e) {
            throw failure("list", bucket, prefix, e);
        }
    }

    /** S3's listing gives each object's ETag, which changes with its content. */
    @Override
    public List<ObjectInfo> listObjects(String bucket, String prefix) {
        try {
            return s3.listObjectsV2Paginator(b -> b.bucket(bucket).prefix(prefix == null ? "" : prefix)).contents()
                    .stream().map(o -> new ObjectInfo(o.key(), o.size() == null ? 0 : o.size(), o.eTag()))
                    .sorted(java.util.Comparator.comparing(ObjectInfo::key)).toList();
        } catch (SdkException e) {
            throw failure("list", bucket, prefix, e);
        }
    }

    @Override
    public void delete(String bucket, String key) {
        try {
            s3.deleteObject(b -> b.bucket(bucket).key(key));
        } catch (SdkException e) {
            throw failure("delete", bucket, key, e);
        }
    }

    private StorageException failure(String what, String bucket, String key, SdkException e) {
        return new StorageException("cannot " + what + " " + ObjectStore.uri(bucket, key) + " at " + endpoint + ": "
                + e.getMessage(), e);
    }

    @Override
    public void close() {
        s3.close();
    }
}
