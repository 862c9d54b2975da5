package dev.localbedrock.runtime.state;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The process {@link StateCrashTest} kills: writes provisioned models and their tags in a loop, through the real
 * repositories, and prints a line for each write only once its call has returned (the acknowledgement).
 */
public final class CrashWriter {
    static final int TAGS_PER_MODEL = 5;

    private CrashWriter() {
    }

    static ProvisionedModel created(int i) {
        Instant at = Instant.ofEpochMilli(1_700_000_000_000L + i);
        return new ProvisionedModel(arn(i), "model-" + i, "meta.llama2-13b-chat-v1", 1 + i % 7,
                "meta.llama2-13b-chat-v1", 1 + i % 7, ProvisionedModelStatus.CREATING, null, null, null, at, at,
                "token-" + i);
    }

    static ProvisionedModel inService(int i) {
        ProvisionedModel c = created(i);
        return new ProvisionedModel(c.arn(), c.name(), c.modelId(), c.modelUnits() + 1, c.modelId(),
                c.modelUnits() + 1, ProvisionedModelStatus.IN_SERVICE, "OneMonth",
                c.createdAt().plusSeconds(2_592_000), null, c.createdAt(), c.createdAt().plusSeconds(1),
                c.clientRequestToken());
    }

    static Map<String, String> tags(int i) {
        Map<String, String> tags = new LinkedHashMap<>();
        for (int k = 0; k < TAGS_PER_MODEL; k++) {
            tags.put("key-" + k, "value-" + i + "-" + k);
        }
        return tags;
    }

    static String arn(int i) {
        return "arn:aws:bedrock:us-east-1:000000000000:provisioned-model/crash" + i;
    }

    public static void main(String[] args) {
        try (StateStore store = StateStore.open(args[0])) {
            System.out.println("READY");
            System.out.flush();
            for (int i = 0; ; i++) {
                store.provisionedModels().create(created(i));
                ack("CREATED", i);
                store.tags().tag(arn(i), tags(i), 50);
                ack("TAGGED", i);
                store.provisionedModels().update(inService(i));
                ack("UPDATED", i);
                if (i % 4 == 3) {
                    store.provisionedModels().delete(arn(i - 1));
                    ack("DELETED", i - 1);
                }
            }
        }
    }

    private static void ack(String what, int i) {
        System.out.println(what + " " + i);
        System.out.flush();
    }
}
