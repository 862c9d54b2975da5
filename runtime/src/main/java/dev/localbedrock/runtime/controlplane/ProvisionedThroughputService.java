package dev.localbedrock.runtime.controlplane;

import dev.localbedrock.codecs.BedrockErrorType;
import dev.localbedrock.codecs.BedrockException;
import dev.localbedrock.runtime.ModelDirectory;
import dev.localbedrock.runtime.ModelTarget;
import dev.localbedrock.runtime.state.DuplicateResourceException;
import dev.localbedrock.runtime.state.ProvisionedModel;
import dev.localbedrock.runtime.state.ProvisionedModelRepository;
import dev.localbedrock.runtime.state.ProvisionedModelStatus;

import java.security.SecureRandom;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Provisioned throughput: Create, Get, List and Delete over the durable state, each provisioned model registered in
 * the {@link ModelDirectory} under its ARN and its name with its ARN as the capacity tag, so InvokeModel by either
 * reaches the base model's worker as reserved traffic (exempt from on-demand quotas and from the model-access check,
 * which a revocation cannot remove while it exists). A provisioned model shares the base model's loaded weights and
 * worker, so it is InService as soon as it is created. Writes block on the state: call them off the event loop.
 *
 * <p>Not yet: Update, and the model units' token budget and reserved share of the scheduler.
 */
public final class ProvisionedThroughputService {
    /** The account in the ARNs this server writes. */
    public static final String ACCOUNT = "000000000000";
    static final Pattern NAME = Pattern.compile("([0-9a-zA-Z][_-]?)+");
    static final List<String> COMMITMENTS = List.of("OneMonth", "SixMonths");
    private static final char[] ID_CHARS = "abcdefghijklmnopqrstuvwxyz0123456789".toCharArray();

    private final ProvisionedModelRepository repository;
    private final ModelDirectory directory;
    private final ModelAccessService access;
    private final FoundationModels foundation;
    private final String region;
    private final Clock clock;
    private final SecureRandom random = new SecureRandom();

    public ProvisionedThroughputService(ProvisionedModelRepository repository, ModelDirectory directory,
                                        ModelAccessService access, FoundationModels foundation, String region,
                                        Clock clock) {
        this.repository = repository;
        this.directory = directory;
        this.access = access;
        this.foundation = foundation;
        this.region = region;
        this.clock = clock;
        for (ProvisionedModel stored : repository.list()) {
            register(stored);
        }
    }

    /**
     * Creates a provisioned model, or returns the one an earlier call with the same client request token created.
     *
     * @throws BedrockException ValidationException for a bad name, unit count or commitment; ResourceNotFoundException
     *                          for a model not served; AccessDeniedException without model access; ConflictException
     *                          for a name already used
     */
    public synchronized ProvisionedModel create(String name, String modelId, int modelUnits, String commitment,
                                                String clientRequestToken) {
        if (clientRequestToken != null) {
            Optional<ProvisionedModel> earlier = repository.findByClientRequestToken(clientRequestToken);
            if (earlier.isPresent()) {
                return earlier.get();
            }
        }
        if (name == null || name.isEmpty() || name.length() > 63 || !NAME.matcher(name).matches()) {
            throw BedrockException.validation("1 validation error detected: Value '" + name + "' at "
                    + "'provisionedModelName' failed to satisfy constraint: Member must satisfy regular expression "
                    + "pattern: ([0-9a-zA-Z][_-]?)+ (1 to 63 characters)");
        }
        if (modelUnits < 1) {
            throw BedrockException.validation("1 validation error detected: Value '" + modelUnits + "' at "
                    + "'modelUnits' failed to satisfy constraint: Member must have value greater than or equal to 1");
        }
        if (commitment != null && !COMMITMENTS.contains(commitment)) {
            throw BedrockException.validation("1 validation error detected: Value '" + commitment + "' at "
                    + "'commitmentDuration' failed to satisfy constraint: Member must satisfy enum value set: "
                    + COMMITMENTS);
        }
        ModelTarget base = directory.resolve(modelId);
        if (base.capacityTag() != null) {
            throw BedrockException.validation("The model " + modelId + " is itself a provisioned model; name a "
                    + "foundation model.");
        }
        String entryId = base.model().entry().id();
        if (!access.granted(entryId)) {
            throw new BedrockException(BedrockErrorType.ACCESS_DENIED, ModelAccessService.NO_ACCESS);
        }
        if (repository.findByName(name).isPresent()) {
            throw new BedrockException(BedrockErrorType.CONFLICT, "A provisioned model named " + name
                    + " already exists.");
        }
        Instant now = clock.instant();
        Instant expires = commitment == null ? null
                : now.atOffset(ZoneOffset.UTC).plusMonths(commitment.equals("OneMonth") ? 1 : 6).toInstant();
        ProvisionedModel model = new ProvisionedModel(newArn(), name, entryId, modelUnits, entryId, modelUnits,
                ProvisionedModelStatus.IN_SERVICE, commitment, expires, null, now, now, clientRequestToken);
        try {
            repository.create(model);
        } catch (DuplicateResourceException e) {
            throw new BedrockException(BedrockErrorType.CONFLICT, "A provisioned model named " + name
                    + " already exists.");
        }
        register(model);
        return model;
    }

    /** The provisioned model a name or ARN names. */
    public ProvisionedModel get(String nameOrArn) {
        return find(nameOrArn).orElseThrow(() -> BedrockException.notFound("Provisioned model " + nameOrArn
                + " not found."));
    }

    /** Every provisioned model, oldest first. */
    public List<ProvisionedModel> list() {
        return repository.list().stream().sorted(Comparator.comparing(ProvisionedModel::createdAt)
                .thenComparing(ProvisionedModel::arn)).toList();
    }

    /**
     * Deletes a provisioned model; its ARN and name stop resolving at once.
     *
     * @throws BedrockException ResourceNotFoundException when there is none, ConflictException within a commitment
     *                          term
     */
    public synchronized void delete(String nameOrArn) {
        ProvisionedModel model = get(nameOrArn);
        if (model.commitmentExpiration() != null && clock.instant().isBefore(model.commitmentExpiration())) {
            throw new BedrockException(BedrockErrorType.CONFLICT, "The provisioned model " + model.name()
                    + " has a " + model.commitmentDuration() + " commitment until " + model.commitmentExpiration()
                    + " and cannot be deleted before it ends.");
        }
        repository.delete(model.arn());
        directory.remove(model.arn());
        directory.remove(model.name());
    }

    /** The foundation-model ARN of a provisioned model's base. */
    public String foundationArn(ProvisionedModel model) {
        return foundation.arn(model.modelId());
    }

    private Optional<ProvisionedModel> find(String nameOrArn) {
        return nameOrArn.startsWith("arn:") ? repository.findByArn(nameOrArn) : repository.findByName(nameOrArn);
    }

    private void register(ProvisionedModel model) {
        ModelTarget base = directory.resolve(model.modelId());
        ModelTarget reserved = new ModelTarget(base.model(), model.arn());
        directory.register(model.arn(), reserved);
        directory.register(model.name(), reserved);
    }

    private String newArn() {
        char[] id = new char[12];
        for (int i = 0; i < id.length; i++) {
            id[i] = ID_CHARS[random.nextInt(ID_CHARS.length)];
        }
        return "arn:aws:bedrock:" + region + ":" + ACCOUNT + ":provisioned-model/" + new String(id);
    }
}
