package dev.localbedrock.runtime.state;

import dev.localbedrock.runtime.state.InvocationLoggingConfig.CloudWatchDestination;
import dev.localbedrock.runtime.state.InvocationLoggingConfig.S3Location;

import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Clock;
import java.util.Optional;

/** {@link InvocationLoggingRepository} over the single-row {@code invocation_logging} table. */
final class JdbcInvocationLoggingRepository implements InvocationLoggingRepository {
    private static final int ROW = 1;
    private final Transactor tx;
    private final Clock clock;

    JdbcInvocationLoggingRepository(Transactor tx, Clock clock) {
        this.tx = tx;
        this.clock = clock;
    }

    @Override
    public Optional<InvocationLoggingConfig> get() {
        return tx.inTransaction("read the invocation logging configuration", c -> {
            try (PreparedStatement s = c.prepareStatement("SELECT s3_bucket, s3_key_prefix, cw_log_group,"
                    + " cw_role_arn, cw_large_data_bucket, cw_large_data_prefix, text_enabled, image_enabled,"
                    + " embedding_enabled FROM invocation_logging WHERE config_id = ?")) {
                s.setInt(1, ROW);
                try (ResultSet r = s.executeQuery()) {
                    if (!r.next()) {
                        return Optional.empty();
                    }
                    S3Location s3 = r.getString("s3_bucket") == null ? null
                            : new S3Location(r.getString("s3_bucket"), r.getString("s3_key_prefix"));
                    CloudWatchDestination cw = null;
                    if (r.getString("cw_log_group") != null) {
                        S3Location large = r.getString("cw_large_data_bucket") == null ? null
                                : new S3Location(r.getString("cw_large_data_bucket"),
                                r.getString("cw_large_data_prefix"));
                        cw = new CloudWatchDestination(r.getString("cw_log_group"), r.getString("cw_role_arn"),
                                large);
                    }
                    return Optional.of(new InvocationLoggingConfig(s3, cw, r.getBoolean("text_enabled"),
                            r.getBoolean("image_enabled"), r.getBoolean("embedding_enabled")));
                }
            }
        });
    }

    @Override
    public void put(InvocationLoggingConfig config) {
        tx.inTransaction("store the invocation logging configuration", c -> {
            try (PreparedStatement del = c.prepareStatement("DELETE FROM invocation_logging WHERE config_id = ?")) {
                del.setInt(1, ROW);
                del.executeUpdate();
            }
            try (PreparedStatement s = c.prepareStatement("INSERT INTO invocation_logging (config_id, s3_bucket,"
                    + " s3_key_prefix, cw_log_group, cw_role_arn, cw_large_data_bucket, cw_large_data_prefix,"
                    + " text_enabled, image_enabled, embedding_enabled, updated_at)"
                    + " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")) {
                S3Location s3 = config.s3();
                CloudWatchDestination cw = config.cloudWatch();
                S3Location large = cw == null ? null : cw.largeDataDelivery();
                s.setInt(1, ROW);
                s.setString(2, s3 == null ? null : s3.bucketName());
                s.setString(3, s3 == null ? null : s3.keyPrefix());
                s.setString(4, cw == null ? null : cw.logGroupName());
                s.setString(5, cw == null ? null : cw.roleArn());
                s.setString(6, large == null ? null : large.bucketName());
                s.setString(7, large == null ? null : large.keyPrefix());
                s.setBoolean(8, config.textDataDelivery());
                s.setBoolean(9, config.imageDataDelivery());
                s.setBoolean(10, config.embeddingDataDelivery());
                s.setLong(11, clock.millis());
                s.executeUpdate();
            }
            return null;
        });
    }

    @Override
    public boolean delete() {
        return tx.inTransaction("delete the invocation logging configuration", c -> {
            try (PreparedStatement s = c.prepareStatement("DELETE FROM invocation_logging WHERE config_id = ?")) {
                s.setInt(1, ROW);
                return s.executeUpdate() > 0;
            }
        });
    }
}
