package dev.localbedrock.runtime.controlplane;

import dev.localbedrock.runtime.catalog.CustomModelArn;
import dev.localbedrock.codecs.BedrockErrorType;
import dev.localbedrock.codecs.BedrockException;
import dev.localbedrock.runtime.ModelDirectory;
import dev.localbedrock.runtime.ModelTarget;
import dev.localbedrock.runtime.ServedModel;
import dev.localbedrock.runtime.events.EventPublisher;
import dev.localbedrock.runtime.quota.ProvisionedBudget;
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
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;

/**
 * Provisioned throughput: Create, Get, List and Delete over the durable state, each provisioned model registered in
 * the {@link ModelDirectory} under its ARN and its name with its ARN as the capacity tag, so InvokeModel by either
 * reaches the base model's worker as reserved traffic (exempt from on-demand quotas and from the model-access check,
 * which a revocation cannot remove while it exists). A provisioned model shares the base model's loaded weights and
 * worker, so it is InService as soon as it is created. Each registration carries the model's
 * {@link ProvisionedBudget}: N model units buy N × the entry's {@code model_unit} tokens per minute, and requests
 * beyond that are throttled. Writes block on the state: call them off the event loop.
 *
 * <p>Update renames a provisioned model or points it at another model of the same base. It passes through Updating
 * to InService within the call, since no weights move (the base model is already loaded); a crash between those two
 * writes leaves Updating in the state, which the next start finishes.
 *
 * <p>Every stored state change is published as a {@code Provisioned Model Throughput State Change} event: InService
 * on create (a provisioned model is never stored as Creating here), Updating then InService on update, Failed when
 * a stored model no longer fits at start, and Deleted on delete.
 */
public final class ProvisionedThroughputService {
    private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(ProvisionedThroughputService.class);
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
    /** By ARN: a rename keeps the budget's levels, so renaming cannot refill it. */
    private final Map<String, ProvisionedBudget> budgets = new ConcurrentHashMap<>();
    /** What this server has registered, by ARN: each provisioned model as it was stored when registered. */
    private final Map<String, ProvisionedModel> registered = new ConcurrentHashMap<>();
    private final ProvisionedModelEvents events;
    private volatile CustomModelServing custom = CustomModelServing.none();

    public ProvisionedThroughputService(ProvisionedModelRepository repository, ModelDirectory directory,
                                        ModelAccessService access, FoundationModels foundation, String region,
                                        Clock clock) {
        this(repository, directory, access, foundation, region, clock, EventPublisher.none());
    }

    /** With each state change (create, update, failure at start, delete) published to {@code events}. */
    public ProvisionedThroughputService(ProvisionedModelRepository repository, ModelDirectory directory,
                                        ModelAccessService access, FoundationModels foundation, String region,
                                        Clock clock, EventPublisher events) {
        this.events = new ProvisionedModelEvents(events, foundation);
        this.repository = repository;
        this.directory = directory;
        this.access = access;
        this.foundation = foundation;
        this.region = region;
        this.clock = clock;
        for (ProvisionedModel stored : repository.list()) {
            restore(stored.status() == ProvisionedModelStatus.UPDATING ? finishUpdate(stored) : stored);
        }
    }

    /**
     * Registers a stored provisioned model again at start. One whose reservation no longer fits (models.yaml now gives
     * its model fewer batch slots) is marked Failed with the reason, rather than served without its guarantee.
     */
    private void restore(ProvisionedModel stored) {
        if (stored.status() != ProvisionedModelStatus.IN_SERVICE) {
            return;
        }
        if (isCustom(stored.modelId()) && custom == CustomModelServing.none()) {
            return; // restored once custom models can be served (customModels)
        }
        ServedModel base;
        try {
            base = baseOf(stored.modelId(), stored.arn()).model();
        } catch (RuntimeException notServed) {
            log.warn("provisioned model {} ({}) serves {}, which models.yaml no longer serves; it is not invocable "
                    + "until the model is served again", stored.name(), stored.arn(), stored.modelId());
            return;
        }
        if (!reserve(stored.arn(), stored.modelUnits(), base)) {
            releaseCustom(stored.modelId(), stored.arn());
            String reason = "Its " + stored.modelUnits() + " model unit(s) need " + sequences(stored.modelUnits(), base)
                    + " batch slots on " + stored.modelId() + ", more than its scheduler can now reserve ("
                    + reservable(base) + ").";
            log.warn("provisioned model {} ({}) failed at start: {}", stored.name(), stored.arn(), reason);
            ProvisionedModel failed = new ProvisionedModel(stored.arn(), stored.name(), stored.modelId(),
                    stored.modelUnits(), stored.desiredModelId(), stored.desiredModelUnits(),
                    ProvisionedModelStatus.FAILED, stored.commitmentDuration(), stored.commitmentExpiration(), reason,
                    stored.createdAt(), clock.instant(), stored.clientRequestToken());
            write(failed);
            events.changed(failed);
            return;
        }
        register(stored);
    }

    /**
     * Reserves the batch slots {@code modelUnits} buy (units × the entry's {@code model_unit.sequences}) on a text
     * model's scheduler, under {@code arn}; an embedding model has no slots to reserve, its budget alone applies.
     *
     * @return false, reserving nothing, when they do not fit beside the reservations already made
     */
    private static boolean reserve(String arn, int modelUnits, ServedModel base) {
        if (!(base instanceof ServedModel.Text text)) {
            return true;
        }
        int sequences = sequences(modelUnits, base);
        return sequences == 0 || text.worker().reservations().reserve(arn, sequences);
    }

    private static void release(String arn, ServedModel base) {
        if (base instanceof ServedModel.Text text) {
            text.worker().reservations().release(arn);
        }
    }

    private static int sequences(int modelUnits, ServedModel base) {
        return (int) Math.min(Integer.MAX_VALUE, (long) modelUnits * base.entry().modelUnit().sequences());
    }

    private static int reservable(ServedModel base) {
        return base instanceof ServedModel.Text text ? text.worker().reservations().reservableSequences() : 0;
    }

    /**
     * Creates a provisioned model with its tags (in one write), or returns the one an earlier call with the same
     * client request token created.
     *
     * @throws BedrockException ValidationException for a bad name, unit count or commitment; ResourceNotFoundException
     *                          for a model not served; AccessDeniedException without model access; ConflictException
     *                          for a name already used
     */
    public synchronized ProvisionedModel create(String name, String modelId, int modelUnits, String commitment,
                                                String clientRequestToken, Map<String, String> tags) {
        if (clientRequestToken != null) {
            Optional<ProvisionedModel> earlier = repository.findByClientRequestToken(clientRequestToken);
            if (earlier.isPresent()) {
                return earlier.get();
            }
        }
        checkName(name == null ? "" : name, "provisionedModelName");
        if (modelUnits < 1) {
            throw BedrockException.validation("1 validation error detected: Value '" + modelUnits + "' at "
                    + "'modelUnits' failed to satisfy constraint: Member must have value greater than or equal to 1");
        }
        if (commitment != null && !COMMITMENTS.contains(commitment)) {
            throw BedrockException.validation("1 validation error detected: Value '" + commitment + "' at "
                    + "'commitmentDuration' failed to satisfy constraint: Member must satisfy enum value set: "
                    + COMMITMENTS);
        }
        if (repository.findByName(name).isPresent()) {
            throw new BedrockException(BedrockErrorType.CONFLICT, "A provisioned model named " + name
                    + " already exists.");
        }
        String arn = newArn();
        java.util.Optional<String> customArn = custom.arnOf(modelId);
        ModelTarget base;
        String entryId;
        if (customArn.isPresent()) {
            // A custom model: the access check is its foundation model's; its weights load now.
            CustomModelServing.Loaded loaded = custom.acquire(customArn.get(), arn);
            if (!access.granted(loaded.foundationId())) {
                custom.release(customArn.get(), arn);
                throw new BedrockException(BedrockErrorType.ACCESS_DENIED, ModelAccessService.NO_ACCESS);
            }
            base = ModelTarget.onDemand(loaded.model());
            entryId = customArn.get();
        } else {
            base = directory.resolve(modelId);
            if (base.capacityTag() != null) {
                throw BedrockException.validation("The model " + modelId + " is itself a provisioned model; name a "
                        + "foundation model or a custom model.");
            }
            entryId = base.model().entry().id();
            if (!access.granted(entryId)) {
                throw new BedrockException(BedrockErrorType.ACCESS_DENIED, ModelAccessService.NO_ACCESS);
            }
        }
        try {
            return create(arn, name, entryId, base, modelUnits, commitment, clientRequestToken, tags);
        } catch (RuntimeException e) {
            releaseCustom(entryId, arn);
            throw e;
        }
    }

    private ProvisionedModel create(String arn, String name, String entryId, ModelTarget base, int modelUnits,
                                    String commitment, String clientRequestToken, Map<String, String> tags) {
        Instant now = clock.instant();
        Instant expires = commitment == null ? null
                : now.atOffset(ZoneOffset.UTC).plusMonths(commitment.equals("OneMonth") ? 1 : 6).toInstant();
        ProvisionedModel model = new ProvisionedModel(arn, name, entryId, modelUnits, entryId, modelUnits,
                ProvisionedModelStatus.IN_SERVICE, commitment, expires, null, now, now, clientRequestToken);
        // Capacity first, as Bedrock checks availability before it accepts: nothing is written when it is short.
        if (!reserve(model.arn(), modelUnits, base.model())) {
            throw new BedrockException(BedrockErrorType.SERVICE_QUOTA_EXCEEDED, modelUnits + " model unit(s) of "
                    + entryId + " need " + sequences(modelUnits, base.model()) + " batch slots, but this host can "
                    + "reserve only " + reservable(base.model()) + " more for provisioned throughput on it (one slot "
                    + "is always kept for on-demand traffic; see max_running_sequences and model_unit.sequences).");
        }
        try {
            repository.create(model, tags);
        } catch (DuplicateResourceException e) {
            release(model.arn(), base.model());
            throw new BedrockException(BedrockErrorType.CONFLICT, "A provisioned model named " + name
                    + " already exists.");
        } catch (RuntimeException e) {
            release(model.arn(), base.model());
            throw e;
        }
        register(model);
        events.changed(model);
        return model;
    }

    /**
     * Renames a provisioned model and/or points it at another model; null leaves that part as it is. Requests already
     * running finish where they started; the old name stops resolving at once.
     *
     * @throws BedrockException ResourceNotFoundException for an unknown provisioned model or model; ValidationException
     *                          for a bad name or a model of another base; ConflictException for a name already used
     *                          or a provisioned model that is not InService
     */
    public synchronized ProvisionedModel update(String nameOrArn, String desiredName, String desiredModelId) {
        ProvisionedModel current = get(nameOrArn);
        if (current.status() != ProvisionedModelStatus.IN_SERVICE) {
            throw new BedrockException(BedrockErrorType.CONFLICT, "The provisioned model " + current.name()
                    + " is " + current.status().wire() + "; it can be updated only when InService.");
        }
        String name = desiredName == null ? current.name() : desiredName;
        if (desiredName != null) {
            checkName(desiredName, "desiredProvisionedModelName");
            Optional<ProvisionedModel> holder = repository.findByName(desiredName);
            if (holder.isPresent() && !holder.get().arn().equals(current.arn())) {
                throw new BedrockException(BedrockErrorType.CONFLICT, "A provisioned model named " + desiredName
                        + " already exists.");
            }
        }
        String modelId = current.modelId();
        if (desiredModelId != null) {
            ModelTarget target = directory.resolve(desiredModelId);
            String entryId = target.model().entry().id();
            if (target.capacityTag() != null || !entryId.equals(current.modelId())) {
                // Custom models (the only other thing Bedrock lets a provisioned model move to) share their base.
                throw BedrockException.validation("The provisioned model " + current.name() + " serves "
                        + current.modelId() + "; it can be moved only to that base model or a custom model of it, "
                        + "not to " + desiredModelId + ".");
            }
            modelId = entryId;
        }
        Instant now = clock.instant();
        ProvisionedModel updating = new ProvisionedModel(current.arn(), name, current.modelId(),
                current.modelUnits(), modelId, current.desiredModelUnits(), ProvisionedModelStatus.UPDATING,
                current.commitmentDuration(), current.commitmentExpiration(), null, current.createdAt(), now,
                current.clientRequestToken());
        write(updating);
        events.changed(updating);
        directory.remove(current.name());
        ProvisionedModel done = finishUpdate(updating);
        register(done);
        return done;
    }

    /** Moves an Updating model to what it was asked to become, InService, and stores that. */
    private ProvisionedModel finishUpdate(ProvisionedModel updating) {
        ProvisionedModel done = new ProvisionedModel(updating.arn(), updating.name(), updating.desiredModelId(),
                updating.desiredModelUnits(), updating.desiredModelId(), updating.desiredModelUnits(),
                ProvisionedModelStatus.IN_SERVICE, updating.commitmentDuration(), updating.commitmentExpiration(),
                null, updating.createdAt(), clock.instant(), updating.clientRequestToken());
        write(done);
        events.changed(done);
        return done;
    }

    private void write(ProvisionedModel model) {
        try {
            repository.update(model);
        } catch (DuplicateResourceException e) {
            throw new BedrockException(BedrockErrorType.CONFLICT, "A provisioned model named " + model.name()
                    + " already exists.");
        }
    }

    private static void checkName(String name, String field) {
        if (name.isEmpty() || name.length() > 63 || !NAME.matcher(name).matches()) {
            throw BedrockException.validation("1 validation error detected: Value '" + name + "' at '" + field
                    + "' failed to satisfy constraint: Member must satisfy regular expression pattern: "
                    + "([0-9a-zA-Z][_-]?)+ (1 to 63 characters)");
        }
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
        ModelTarget registered = directory.remove(model.arn());
        directory.remove(model.name());
        budgets.remove(model.arn());
        if (registered != null) {
            release(model.arn(), registered.model());
        }
        this.registered.remove(model.arn());
        releaseCustom(model.modelId(), model.arn());
        events.deleted(model);
    }

    /**
     * Brings this server's registrations in line with the state database, for replicas sharing one: a provisioned
     * model another replica created starts resolving here, and one it renamed, moved or deleted changes or stops.
     * A lone server finds nothing to do. A model whose reservation does not fit on this replica stays unregistered
     * here (logged), not marked Failed: the state is shared, and the replica that created it serves it.
     */
    public synchronized void reconcile() {
        Map<String, ProvisionedModel> stored = new java.util.HashMap<>();
        for (ProvisionedModel m : repository.list()) {
            if (m.status() == ProvisionedModelStatus.IN_SERVICE) {
                stored.put(m.arn(), m);
            }
        }
        for (ProvisionedModel mine : List.copyOf(registered.values())) {
            ProvisionedModel now = stored.get(mine.arn());
            if (now == null || !now.name().equals(mine.name()) || !now.modelId().equals(mine.modelId())
                    || now.modelUnits() != mine.modelUnits()) {
                unregister(mine);
            }
        }
        for (ProvisionedModel m : stored.values()) {
            if (!registered.containsKey(m.arn())) {
                registerShared(m);
            }
        }
    }

    private void unregister(ProvisionedModel model) {
        ModelTarget target = directory.remove(model.arn());
        directory.remove(model.name());
        budgets.remove(model.arn());
        if (target != null) {
            release(model.arn(), target.model());
        }
        registered.remove(model.arn());
        releaseCustom(model.modelId(), model.arn());
        log.info("provisioned model {} ({}) changed in the shared state: unregistered here", model.name(),
                model.arn());
    }

    private void registerShared(ProvisionedModel stored) {
        if (isCustom(stored.modelId()) && custom == CustomModelServing.none()) {
            return;
        }
        ServedModel base;
        try {
            base = baseOf(stored.modelId(), stored.arn()).model();
        } catch (RuntimeException notServed) {
            return; // not served by this replica's models.yaml
        }
        if (!reserve(stored.arn(), stored.modelUnits(), base)) {
            releaseCustom(stored.modelId(), stored.arn());
            log.warn("provisioned model {} ({}) from the shared state does not fit beside this replica's "
                    + "reservations; it is served by the others", stored.name(), stored.arn());
            return;
        }
        register(stored);
        log.info("provisioned model {} ({}) registered from the shared state", stored.name(), stored.arn());
    }

    /** The foundation-model ARN of a provisioned model's base. */
    public String foundationArn(ProvisionedModel model) {
        String id = model.modelId();
        return foundation.arn(isCustom(id) ? CustomModelArn.foundationId(id) : id);
    }

    /** The ARN of the model a provisioned model serves: the custom model's own, or its foundation model's. */
    public String modelArn(String modelId) {
        return isCustom(modelId) ? modelId : foundation.arn(modelId);
    }

    /** Lets provisioned throughput serve custom models (set once at start, before the first request). */
    public void customModels(CustomModelServing serving) {
        this.custom = serving;
        for (ProvisionedModel stored : repository.list()) {
            if (isCustom(stored.modelId())) {
                restore(stored);
            }
        }
    }

    private static boolean isCustom(String modelId) {
        return CustomModelArn.is(modelId);
    }

    /** The model a provisioned model serves: a custom model (loaded for it) or a catalogue model. */
    private ModelTarget baseOf(String modelId, String provisionedArn) {
        if (isCustom(modelId)) {
            return ModelTarget.onDemand(custom.acquire(modelId, provisionedArn).model());
        }
        return directory.resolve(modelId);
    }

    private void releaseCustom(String modelId, String provisionedArn) {
        if (isCustom(modelId)) {
            custom.release(modelId, provisionedArn);
        }
    }

    private Optional<ProvisionedModel> find(String nameOrArn) {
        return nameOrArn.startsWith("arn:") ? repository.findByArn(nameOrArn) : repository.findByName(nameOrArn);
    }

    /** The budgets of the provisioned models registered here, for the replicas' shared ledger to meet. */
    public java.util.List<dev.localbedrock.runtime.quota.UsageBudget> budgets() {
        return java.util.List.copyOf(budgets.values());
    }

    private void register(ProvisionedModel model) {
        ModelTarget base = baseOf(model.modelId(), model.arn());
        ProvisionedBudget budget = budgets.computeIfAbsent(model.arn(), arn -> new ProvisionedBudget(model.arn(),
                model.modelUnits(), base.model().entry().modelUnit(), System::nanoTime));
        ModelTarget reserved = new ModelTarget(base.model(), model.arn(), budget);
        directory.register(model.arn(), reserved);
        directory.register(model.name(), reserved);
        registered.put(model.arn(), model);
    }

    private String newArn() {
        char[] id = new char[12];
        for (int i = 0; i < id.length; i++) {
            id[i] = ID_CHARS[random.nextInt(ID_CHARS.length)];
        }
        return "arn:aws:bedrock:" + region + ":" + ACCOUNT + ":provisioned-model/" + new String(id);
    }
}
