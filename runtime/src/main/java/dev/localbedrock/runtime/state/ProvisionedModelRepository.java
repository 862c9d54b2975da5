package dev.localbedrock.runtime.state;

import java.util.List;
import java.util.Optional;

/** Provisioned throughputs. Each call is one transaction: it is either wholly written or not at all. */
public interface ProvisionedModelRepository {
    /** @throws DuplicateResourceException when the ARN, the name or the client request token is taken */
    default void create(ProvisionedModel model) {
        create(model, java.util.Map.of());
    }

    /**
     * Creates the model and its tags in one transaction: a crash leaves both or neither, never a model without the
     * tags its create call named.
     *
     * @throws DuplicateResourceException when the ARN, the name or the client request token is taken
     */
    void create(ProvisionedModel model, java.util.Map<String, String> tags);

    Optional<ProvisionedModel> findByArn(String arn);

    Optional<ProvisionedModel> findByName(String name);

    /** The model an earlier create with this idempotency token made, if any. */
    Optional<ProvisionedModel> findByClientRequestToken(String token);

    /** Every provisioned model, oldest first (ties by ARN); the service filters, sorts and pages. */
    List<ProvisionedModel> list();

    /**
     * Replaces every stored field of the model with this ARN except its creation time and its token.
     *
     * @return whether the model existed
     * @throws DuplicateResourceException when the new name is another model's
     */
    boolean update(ProvisionedModel model);

    /** Deletes the model and its tags together. @return whether it existed */
    boolean delete(String arn);
}
