package dev.localbedrock.runtime.cli;

import dev.localbedrock.runtime.auth.SecretSealer;
import dev.localbedrock.runtime.auth.SecurityStore;
import dev.localbedrock.runtime.catalog.CatalogLoader;
import dev.localbedrock.runtime.controlplane.ProvisionedThroughputService;
import dev.localbedrock.runtime.state.StateStore;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.time.Clock;

/**
 * The {@code --config} option of the keys and policies commands, and the state database it leads to: the one the
 * server named by the same models.yaml uses (its {@code state:} url, by default under {@code cache_dir}), with the
 * master key beside it or in {@code LOCAL_BEDROCK_MASTER_KEY}. Changes are committed at once; a running server sees
 * them at its next poll of the security generation (about a second).
 */
final class SecurityState {
    @Option(names = "--config", defaultValue = "models.yaml",
            description = "The model catalogue whose state database to change (default: ${DEFAULT-VALUE}).")
    Path config;

    /** An open store; closing it closes the database. */
    static final class Opened implements AutoCloseable {
        final StateStore state;
        final SecurityStore security;

        private Opened(StateStore state, SecurityStore security) {
            this.state = state;
            this.security = security;
        }

        @Override
        public void close() {
            state.close();
        }
    }

    Opened open() {
        String url = CatalogLoader.load(config).state().url();
        SecretSealer sealer = SecretSealer.forState(url);
        StateStore state = StateStore.open(url);
        return new Opened(state, new SecurityStore(state.security(), sealer, ProvisionedThroughputService.ACCOUNT,
                Clock.systemUTC()));
    }
}
