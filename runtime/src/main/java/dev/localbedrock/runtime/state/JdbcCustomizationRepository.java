package dev.localbedrock.runtime.state;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/** {@link CustomizationRepository} over the {@code customization_jobs} and {@code custom_models} tables. */
final class JdbcCustomizationRepository implements CustomizationRepository {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String JOB_COLUMNS = "arn, name, base_model_id, base_model_arn, custom_model_name,"
            + " custom_model_arn, role_arn, status, failure_message, hyper_parameters, training_s3_uri,"
            + " validation_s3_uri, output_s3_uri, kms_key_id, custom_model_tags, training_loss, validation_losses,"
            + " created_at, last_modified_at, end_time, client_request_token";
    private static final String MODEL_COLUMNS = "arn, name, job_arn, weights_dir, created_at";
    private final Transactor tx;
    private final LeaseSql leases;

    JdbcCustomizationRepository(Transactor tx) {
        this.tx = tx;
        this.leases = new LeaseSql(tx, "customization_jobs", "arn");
    }

    @Override
    public void createJob(StoredCustomizationJob j, Map<String, String> jobTags, String leaseOwner,
                          java.time.Instant leaseExpiresAt, JobLimits limits) {
        tx.inTransaction("create customization job " + j.arn() + " (" + j.name() + ")", c -> {
            if (limits != null) {
                WriteLocks.serialize(c, "customization jobs"); // another replica's create counts after this one
                check(c, j.customModelName(), limits);
            }
            try (PreparedStatement s = c.prepareStatement("INSERT INTO customization_jobs (" + JOB_COLUMNS
                    + ", lease_owner, lease_expires_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?,"
                    + " ?, ?, ?, ?, ?, ?)")) {
                s.setString(1, j.arn());
                s.setString(2, j.name());
                s.setString(3, j.baseModelId());
                s.setString(4, j.baseModelArn());
                s.setString(5, j.customModelName());
                text(s, 6, j.customModelArn());
                s.setString(7, j.roleArn());
                s.setString(8, j.status());
                text(s, 9, j.failureMessage());
                s.setString(10, json(new TreeMap<>(j.hyperParameters())));
                s.setString(11, j.trainingS3Uri());
                text(s, 12, j.validationS3Uri());
                s.setString(13, j.outputS3Uri());
                text(s, 14, j.kmsKeyId());
                s.setString(15, json(new TreeMap<>(j.customModelTags())));
                text(s, 16, j.trainingLoss() == null ? null : Double.toString(j.trainingLoss()));
                s.setString(17, json(j.validationLosses()));
                Timestamps.set(s, 18, j.createdAt());
                Timestamps.set(s, 19, j.lastModifiedAt());
                Timestamps.set(s, 20, j.endTime());
                text(s, 21, j.clientRequestToken());
                text(s, 22, leaseOwner);
                Timestamps.set(s, 23, leaseExpiresAt);
                s.executeUpdate();
            }
            JdbcTagRepository.upsert(c, j.arn(), jobTags);
            return null;
        });
    }

    /** Statuses of a job still running: it holds its custom model name and counts against the limits. */
    private static final String ACTIVE = "status IN ('InProgress', 'Stopping')";

    private static void check(Connection c, String customModelName, JobLimits limits) throws SQLException {
        long named = count(c, "SELECT count(*) FROM custom_models WHERE name = ?", customModelName)
                + count(c, "SELECT count(*) FROM customization_jobs WHERE " + ACTIVE + " AND custom_model_name = ?",
                customModelName);
        if (named > 0) {
            throw new JobRefusedException(JobRefusedException.Reason.MODEL_NAME_IN_USE, named);
        }
        long active = count(c, "SELECT count(*) FROM customization_jobs WHERE " + ACTIVE, null);
        if (active >= limits.maxActive()) {
            throw new JobRefusedException(JobRefusedException.Reason.ACTIVE_JOBS, active);
        }
        long models = count(c, "SELECT count(*) FROM custom_models", null) + active;
        if (models >= limits.maxModels()) {
            throw new JobRefusedException(JobRefusedException.Reason.CUSTOM_MODELS, models);
        }
    }

    private static long count(Connection c, String sql, String parameter) throws SQLException {
        try (PreparedStatement s = c.prepareStatement(sql)) {
            if (parameter != null) {
                s.setString(1, parameter);
            }
            try (ResultSet r = s.executeQuery()) {
                r.next();
                return r.getLong(1);
            }
        }
    }

    @Override
    public boolean claimJob(String arn, String owner, java.time.Instant expiredBefore, java.time.Instant expiresAt) {
        return leases.claim(arn, owner, expiredBefore, expiresAt);
    }

    @Override
    public boolean renewJob(String arn, String owner, java.time.Instant expiresAt) {
        return leases.renew(arn, owner, expiresAt);
    }

    @Override
    public void releaseJob(String arn, String owner) {
        leases.release(arn, owner);
    }

    @Override
    public Optional<JobLease> jobLease(String arn) {
        return leases.read(arn);
    }

    @Override
    public Optional<StoredCustomizationJob> findJobByArn(String arn) {
        return findJob("arn", arn);
    }

    @Override
    public Optional<StoredCustomizationJob> findJobByName(String name) {
        return findJob("name", name);
    }

    @Override
    public Optional<StoredCustomizationJob> findJobByClientRequestToken(String token) {
        return findJob("client_request_token", token);
    }

    private Optional<StoredCustomizationJob> findJob(String column, String value) {
        return tx.inTransaction("find customization job by " + column + " " + value, c -> {
            List<StoredCustomizationJob> found = selectJobs(c, " WHERE " + column + " = ?", value);
            return found.isEmpty() ? Optional.empty() : Optional.of(found.get(0));
        });
    }

    @Override
    public List<StoredCustomizationJob> listJobs() {
        return tx.inTransaction("list customization jobs", c -> selectJobs(c, " ORDER BY created_at, arn", null));
    }

    @Override
    public boolean updateJob(StoredCustomizationJob j) {
        return tx.inTransaction("update customization job " + j.arn(), c -> update(c, j));
    }

    @Override
    public boolean updateJobMetrics(String arn, Double trainingLoss, List<Double> validationLosses,
                                    java.time.Instant lastModifiedAt) {
        return tx.inTransaction("update metrics of customization job " + arn, c -> {
            try (PreparedStatement s = c.prepareStatement("UPDATE customization_jobs SET training_loss = ?,"
                    + " validation_losses = ?, last_modified_at = ? WHERE arn = ?")) {
                text(s, 1, trainingLoss == null ? null : Double.toString(trainingLoss));
                s.setString(2, json(List.copyOf(validationLosses)));
                Timestamps.set(s, 3, Timestamps.normalize(lastModifiedAt));
                s.setString(4, arn);
                return s.executeUpdate() > 0;
            }
        });
    }

    private static boolean update(Connection c, StoredCustomizationJob j) throws SQLException {
        try (PreparedStatement s = c.prepareStatement("UPDATE customization_jobs SET status = ?,"
                + " failure_message = ?, custom_model_arn = ?, training_loss = ?, validation_losses = ?,"
                + " last_modified_at = ?, end_time = ? WHERE arn = ?")) {
            s.setString(1, j.status());
            text(s, 2, j.failureMessage());
            text(s, 3, j.customModelArn());
            text(s, 4, j.trainingLoss() == null ? null : Double.toString(j.trainingLoss()));
            s.setString(5, json(j.validationLosses()));
            Timestamps.set(s, 6, j.lastModifiedAt());
            Timestamps.set(s, 7, j.endTime());
            s.setString(8, j.arn());
            return s.executeUpdate() > 0;
        }
    }

    @Override
    public void completeJob(StoredCustomizationJob completed, StoredCustomModel m, Map<String, String> modelTags) {
        tx.inTransaction("complete customization job " + completed.arn() + " with custom model " + m.arn(), c -> {
            try (PreparedStatement s = c.prepareStatement("INSERT INTO custom_models (" + MODEL_COLUMNS
                    + ") VALUES (?, ?, ?, ?, ?)")) {
                s.setString(1, m.arn());
                s.setString(2, m.name());
                s.setString(3, m.jobArn());
                s.setString(4, m.weightsDir());
                Timestamps.set(s, 5, m.createdAt());
                s.executeUpdate();
            }
            if (!update(c, completed)) {
                throw new SQLException("no customization job " + completed.arn());
            }
            JdbcTagRepository.upsert(c, m.arn(), modelTags);
            return null;
        });
    }

    @Override
    public Optional<StoredCustomModel> findModelByArn(String arn) {
        return findModel("arn", arn);
    }

    @Override
    public Optional<StoredCustomModel> findModelByName(String name) {
        return findModel("name", name);
    }

    private Optional<StoredCustomModel> findModel(String column, String value) {
        return tx.inTransaction("find custom model by " + column + " " + value, c -> {
            List<StoredCustomModel> found = selectModels(c, " WHERE " + column + " = ?", value);
            return found.isEmpty() ? Optional.empty() : Optional.of(found.get(0));
        });
    }

    @Override
    public List<StoredCustomModel> listModels() {
        return tx.inTransaction("list custom models", c -> selectModels(c, " ORDER BY created_at, arn", null));
    }

    @Override
    public boolean deleteModel(String arn) {
        return tx.inTransaction("delete custom model " + arn, c -> {
            try (PreparedStatement tags = c.prepareStatement("DELETE FROM tags WHERE resource_arn = ?");
                 PreparedStatement model = c.prepareStatement("DELETE FROM custom_models WHERE arn = ?")) {
                tags.setString(1, arn);
                tags.executeUpdate();
                model.setString(1, arn);
                return model.executeUpdate() > 0;
            }
        });
    }

    private static List<StoredCustomizationJob> selectJobs(Connection c, String tail, String parameter)
            throws SQLException {
        try (PreparedStatement s = c.prepareStatement("SELECT " + JOB_COLUMNS + " FROM customization_jobs" + tail)) {
            if (parameter != null) {
                s.setString(1, parameter);
            }
            try (ResultSet r = s.executeQuery()) {
                List<StoredCustomizationJob> all = new ArrayList<>();
                while (r.next()) {
                    String loss = r.getString("training_loss");
                    all.add(new StoredCustomizationJob(r.getString("arn"), r.getString("name"),
                            r.getString("base_model_id"), r.getString("base_model_arn"),
                            r.getString("custom_model_name"), r.getString("custom_model_arn"),
                            r.getString("role_arn"), r.getString("status"), r.getString("failure_message"),
                            JSON.readValue(r.getString("hyper_parameters"), STRING_MAP),
                            r.getString("training_s3_uri"), r.getString("validation_s3_uri"),
                            r.getString("output_s3_uri"), r.getString("kms_key_id"),
                            JSON.readValue(r.getString("custom_model_tags"), STRING_MAP),
                            loss == null ? null : Double.valueOf(loss),
                            JSON.readValue(r.getString("validation_losses"), DOUBLE_LIST),
                            Timestamps.get(r, "created_at"), Timestamps.get(r, "last_modified_at"),
                            Timestamps.get(r, "end_time"), r.getString("client_request_token")));
                }
                return all;
            } catch (JsonProcessingException e) {
                throw new SQLException("a customization job's stored JSON is unreadable: " + e.getOriginalMessage(),
                        e);
            }
        }
    }

    private static List<StoredCustomModel> selectModels(Connection c, String tail, String parameter)
            throws SQLException {
        try (PreparedStatement s = c.prepareStatement("SELECT " + MODEL_COLUMNS + " FROM custom_models" + tail)) {
            if (parameter != null) {
                s.setString(1, parameter);
            }
            try (ResultSet r = s.executeQuery()) {
                List<StoredCustomModel> all = new ArrayList<>();
                while (r.next()) {
                    all.add(new StoredCustomModel(r.getString("arn"), r.getString("name"), r.getString("job_arn"),
                            r.getString("weights_dir"), Timestamps.get(r, "created_at")));
                }
                return all;
            }
        }
    }

    private static final TypeReference<Map<String, String>> STRING_MAP = new TypeReference<>() { };
    private static final TypeReference<List<Double>> DOUBLE_LIST = new TypeReference<>() { };

    private static String json(Object value) throws SQLException {
        try {
            return JSON.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new SQLException("cannot write JSON: " + e.getOriginalMessage(), e);
        }
    }

    private static void text(PreparedStatement s, int index, String value) throws SQLException {
        if (value == null) {
            s.setNull(index, Types.VARCHAR);
        } else {
            s.setString(index, value);
        }
    }
}
