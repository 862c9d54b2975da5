package dev.localbedrock.runtime.customization;

import dev.localbedrock.runtime.state.CustomizationRepository;
import dev.localbedrock.runtime.state.StoredCustomModel;

import java.util.List;
import java.util.Optional;

/** The custom models in the state, each with the job that made it. */
public final class CustomModels {
    private final CustomizationRepository repository;

    public CustomModels(CustomizationRepository repository) {
        this.repository = repository;
    }

    /** The custom model an ARN or a name names, if any. */
    public Optional<CustomModel> find(String identifier) {
        if (identifier == null || identifier.isEmpty()) {
            return Optional.empty();
        }
        Optional<StoredCustomModel> stored = identifier.startsWith("arn:") ? repository.findModelByArn(identifier)
                : repository.findModelByName(identifier);
        return stored.map(this::describe);
    }

    /** Every custom model, oldest first. */
    public List<CustomModel> list() {
        return repository.listModels().stream().map(this::describe).toList();
    }

    private CustomModel describe(StoredCustomModel m) {
        return CustomModel.of(m, CustomizationJob.fromStored(repository.findJobByArn(m.jobArn()).orElseThrow(() ->
                new IllegalStateException("custom model " + m.arn() + " has no job " + m.jobArn()))));
    }
}
