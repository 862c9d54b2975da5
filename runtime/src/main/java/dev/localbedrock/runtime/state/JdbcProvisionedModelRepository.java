package dev.localbedrock.runtime.state;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** {@link ProvisionedModelRepository} over the {@code provisioned_models} table. */
final class JdbcProvisionedModelRepository implements ProvisionedModelRepository {
    private static final String COLUMNS = "arn, name, model_id, model_units, desired_model_id, desired_model_units,"
            + " status, commitment_duration, commitment_expiration, failure_message, created_at, last_modified_at,"
            + " client_request_token";
    private final Transactor tx;

    JdbcProvisionedModelRepository(Transactor tx) {
        this.tx = tx;
    }

    @Override
    public void create(ProvisionedModel m, java.util.Map<String, String> tags) {
        tx.inTransaction("create provisioned model " + m.arn() + " (" + m.name() + ")", c -> {
            try (PreparedStatement s = c.prepareStatement("INSERT INTO provisioned_models (" + COLUMNS
                    + ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")) {
                s.setString(1, m.arn());
                s.setString(2, m.name());
                s.setString(3, m.modelId());
                s.setInt(4, m.modelUnits());
                s.setString(5, m.desiredModelId());
                s.setInt(6, m.desiredModelUnits());
                s.setString(7, m.status().wire());
                setText(s, 8, m.commitmentDuration());
                Timestamps.set(s, 9, m.commitmentExpiration());
                setText(s, 10, m.failureMessage());
                Timestamps.set(s, 11, m.createdAt());
                Timestamps.set(s, 12, m.lastModifiedAt());
                setText(s, 13, m.clientRequestToken());
                s.executeUpdate();
            }
            JdbcTagRepository.upsert(c, m.arn(), tags);
            return null;
        });
    }

    @Override
    public Optional<ProvisionedModel> findByArn(String arn) {
        return findOne("arn", arn);
    }

    @Override
    public Optional<ProvisionedModel> findByName(String name) {
        return findOne("name", name);
    }

    @Override
    public Optional<ProvisionedModel> findByClientRequestToken(String token) {
        return findOne("client_request_token", token);
    }

    private Optional<ProvisionedModel> findOne(String column, String value) {
        return tx.inTransaction("find provisioned model by " + column + " " + value, c -> {
            List<ProvisionedModel> found = select(c, " WHERE " + column + " = ?", value);
            return found.isEmpty() ? Optional.empty() : Optional.of(found.get(0));
        });
    }

    @Override
    public List<ProvisionedModel> list() {
        return tx.inTransaction("list provisioned models", c -> select(c, " ORDER BY created_at, arn", null));
    }

    @Override
    public boolean update(ProvisionedModel m) {
        return tx.inTransaction("update provisioned model " + m.arn(), c -> {
            try (PreparedStatement s = c.prepareStatement("UPDATE provisioned_models SET name = ?, model_id = ?,"
                    + " model_units = ?, desired_model_id = ?, desired_model_units = ?, status = ?,"
                    + " commitment_duration = ?, commitment_expiration = ?, failure_message = ?,"
                    + " last_modified_at = ? WHERE arn = ?")) {
                s.setString(1, m.name());
                s.setString(2, m.modelId());
                s.setInt(3, m.modelUnits());
                s.setString(4, m.desiredModelId());
                s.setInt(5, m.desiredModelUnits());
                s.setString(6, m.status().wire());
                setText(s, 7, m.commitmentDuration());
                Timestamps.set(s, 8, m.commitmentExpiration());
                setText(s, 9, m.failureMessage());
                Timestamps.set(s, 10, m.lastModifiedAt());
                s.setString(11, m.arn());
                return s.executeUpdate() > 0;
            }
        });
    }

    @Override
    public boolean delete(String arn) {
        return tx.inTransaction("delete provisioned model " + arn, c -> {
            try (PreparedStatement tags = c.prepareStatement("DELETE FROM tags WHERE resource_arn = ?");
                 PreparedStatement model = c.prepareStatement("DELETE FROM provisioned_models WHERE arn = ?")) {
                tags.setString(1, arn);
                tags.executeUpdate();
                model.setString(1, arn);
                return model.executeUpdate() > 0;
            }
        });
    }

    private static List<ProvisionedModel> select(Connection c, String tail, String parameter) throws SQLException {
        try (PreparedStatement s = c.prepareStatement("SELECT " + COLUMNS + " FROM provisioned_models" + tail)) {
            if (parameter != null) {
                s.setString(1, parameter);
            }
            try (ResultSet rows = s.executeQuery()) {
                List<ProvisionedModel> all = new ArrayList<>();
                while (rows.next()) {
                    all.add(read(rows));
                }
                return all;
            }
        }
    }

    private static ProvisionedModel read(ResultSet r) throws SQLException {
        return new ProvisionedModel(r.getString("arn"), r.getString("name"), r.getString("model_id"),
                r.getInt("model_units"), r.getString("desired_model_id"), r.getInt("desired_model_units"),
                ProvisionedModelStatus.fromWire(r.getString("status")), r.getString("commitment_duration"),
                Timestamps.get(r, "commitment_expiration"), r.getString("failure_message"),
                Timestamps.get(r, "created_at"), Timestamps.get(r, "last_modified_at"),
                r.getString("client_request_token"));
    }

    private static void setText(PreparedStatement s, int index, String value) throws SQLException {
        if (value == null) {
            s.setNull(index, Types.VARCHAR);
        } else {
            s.setString(index, value);
        }
    }
}
