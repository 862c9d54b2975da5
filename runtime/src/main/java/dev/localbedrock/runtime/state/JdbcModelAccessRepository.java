package dev.localbedrock.runtime.state;

import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** {@link ModelAccessRepository} over the {@code model_access} table. */
final class JdbcModelAccessRepository implements ModelAccessRepository {
    private static final String COLUMNS = "model_id, granted, updated_at";
    private final Transactor tx;

    JdbcModelAccessRepository(Transactor tx) {
        this.tx = tx;
    }

    @Override
    public Optional<ModelAccess> find(String modelId) {
        return tx.inTransaction("find model access " + modelId, c -> {
            try (PreparedStatement s = c.prepareStatement(
                    "SELECT " + COLUMNS + " FROM model_access WHERE model_id = ?")) {
                s.setString(1, modelId);
                try (ResultSet rows = s.executeQuery()) {
                    return rows.next() ? Optional.of(read(rows)) : Optional.empty();
                }
            }
        });
    }

    @Override
    public List<ModelAccess> list() {
        return tx.inTransaction("list model access", c -> {
            try (PreparedStatement s = c.prepareStatement(
                    "SELECT " + COLUMNS + " FROM model_access ORDER BY model_id");
                 ResultSet rows = s.executeQuery()) {
                List<ModelAccess> all = new ArrayList<>();
                while (rows.next()) {
                    all.add(read(rows));
                }
                return all;
            }
        });
    }

    @Override
    public void put(ModelAccess access) {
        tx.inTransaction("put model access " + access.modelId(), c -> {
            try (PreparedStatement s = c.prepareStatement("INSERT INTO model_access (" + COLUMNS
                    + ") VALUES (?, ?, ?) ON CONFLICT (model_id) DO UPDATE SET granted = excluded.granted,"
                    + " updated_at = excluded.updated_at")) {
                s.setString(1, access.modelId());
                s.setBoolean(2, access.granted());
                Timestamps.set(s, 3, access.updatedAt());
                return s.executeUpdate();
            }
        });
    }

    @Override
    public boolean delete(String modelId) {
        return tx.inTransaction("delete model access " + modelId, c -> {
            try (PreparedStatement s = c.prepareStatement("DELETE FROM model_access WHERE model_id = ?")) {
                s.setString(1, modelId);
                return s.executeUpdate() > 0;
            }
        });
    }

    private static ModelAccess read(ResultSet rows) throws SQLException {
        return new ModelAccess(rows.getString("model_id"), rows.getBoolean("granted"),
                Timestamps.get(rows, "updated_at"));
    }
}
