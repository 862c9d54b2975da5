package dev.localbedrock.runtime.controlplane;

import dev.localbedrock.codecs.BedrockErrorType;
import dev.localbedrock.codecs.BedrockException;
import dev.localbedrock.runtime.ServedModel;
import dev.localbedrock.runtime.catalog.ModelEntry;
import dev.localbedrock.runtime.state.ModelAccess;
import dev.localbedrock.runtime.state.ModelAccessRepository;
import dev.localbedrock.runtime.state.ProvisionedModelRepository;

import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Model access, as the guide describes it: a model must be granted before it can be invoked. The grant of each served
 * entry (its aliases share it) is durable: models.yaml's {@code model_access} seeds it on the first start, after which
 * the stored grant wins, so a grant or revocation made at run time survives restarts. Invocations read an in-memory
 * copy (this server is the only writer, through {@link #set}); changes are written through to the state first.
 * Revoking is refused while a provisioned throughput uses the model.
 */
public final class ModelAccessService {
    /** Real Bedrock's words for a model the account has no access to. */
    public static final String NO_ACCESS = "You don't have access to the model with the specified model ID.";

    private final ModelAccessRepository repository;
    private final ProvisionedModelRepository provisioned;
    private final Clock clock;
    /** Every served id and alias → the entry id its grant is kept under. */
    private final Map<String, String> entryIds = new LinkedHashMap<>();
    private final Map<String, Boolean> granted = new ConcurrentHashMap<>();

    public ModelAccessService(ModelAccessRepository repository, ProvisionedModelRepository provisioned,
                              List<ServedModel> served, Clock clock) {
        this.repository = repository;
        this.provisioned = provisioned;
        this.clock = clock;
        for (ServedModel s : served) {
            ModelEntry e = s.entry();
            entryIds.put(e.id(), e.id());
            e.aliases().forEach(a -> entryIds.put(a, e.id()));
            boolean grant = repository.find(e.id()).map(ModelAccess::granted).orElseGet(() -> {
                repository.put(new ModelAccess(e.id(), e.accessGranted(), clock.instant()));
                return e.accessGranted();
            });
            granted.put(e.id(), grant);
        }
    }

    /** Whether the entry {@code entryId} may be invoked on demand. Cheap: safe on an event loop. */
    public boolean granted(String entryId) {
        return granted.getOrDefault(entryId, false);
    }

    /**
     * Grants or revokes a served model (any of its ids). Blocks on the state's write: call it off the event loop.
     *
     * @throws BedrockException ResourceNotFoundException for an id not served, ConflictException for a revocation
     *                          while a provisioned throughput uses the model
     */
    public synchronized ModelAccess set(String modelId, boolean grant) {
        String entryId = entryIds.get(modelId);
        if (entryId == null) {
            throw BedrockException.notFound("The model " + modelId + " is not served here; served: "
                    + String.join(", ", entryIds.keySet()));
        }
        if (!grant) {
            List<String> users = provisioned.list().stream()
                    .filter(p -> entryId.equals(entryIds.get(p.modelId())) || entryId.equals(p.modelId()))
                    .map(p -> p.name()).toList();
            if (!users.isEmpty()) {
                throw new BedrockException(BedrockErrorType.CONFLICT, "Access to " + entryId + " cannot be removed "
                        + "while provisioned throughput uses it: " + String.join(", ", users) + ".");
            }
        }
        ModelAccess access = new ModelAccess(entryId, grant, clock.instant());
        repository.put(access);
        granted.put(entryId, grant);
        return access;
    }

    /**
     * Reads every served entry's grant again, for replicas sharing one state: a grant or revocation made through
     * another replica applies here from the next refresh on. Blocks on the state's read.
     */
    public synchronized void refresh() {
        for (String entryId : granted.keySet()) {
            repository.find(entryId).ifPresent(a -> granted.put(entryId, a.granted()));
        }
    }

    /** Every served entry's grant, by entry id. Blocks on the state's read. */
    public List<ModelAccess> list() {
        List<ModelAccess> all = new ArrayList<>();
        for (String entryId : new java.util.LinkedHashSet<>(entryIds.values())) {
            repository.find(entryId).ifPresent(all::add);
        }
        return all;
    }
}
