package dev.localbedrock.runtime.quota;

import dev.localbedrock.codecs.inference.InferenceFailure;
import org.junit.jupiter.api.Test;

import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** N model units buy N × the unit's tokens per minute, input and output counted apart, on a manual clock. */
class ProvisionedBudgetTest {
    private static final long SECOND = 1_000_000_000L;
    private static final ModelUnit UNIT = new ModelUnit(1_000, 120, 1);
    private final AtomicLong clock = new AtomicLong();

    private ProvisionedBudget budget(int units) {
        return new ProvisionedBudget("pt", units, UNIT, clock::get);
    }

    @Test
    void unitsMultiplyTheOutputBudget() {
        ProvisionedBudget one = budget(1);
        ProvisionedBudget two = budget(2);
        for (ProvisionedBudget b : new ProvisionedBudget[] {one, two}) {
            b.admit();
            b.chargeOutput(120);
        }
        InferenceFailure refused = assertThrows(InferenceFailure.class, one::admit, "1 unit: 120 tokens spent");
        assertEquals(InferenceFailure.Kind.OVERLOADED, refused.kind());
        assertTrue(refused.getMessage().contains("120 output tokens per minute"), refused.getMessage());
        two.admit(); // 2 units: 120 of 240 left
        two.chargeOutput(120);
        assertThrows(InferenceFailure.class, two::admit);
    }

    @Test
    void inputAndOutputAreSeparateBucketsRefilledPerMinute() {
        ProvisionedBudget b = budget(1);
        b.chargeInput(1_000);
        InferenceFailure refused = assertThrows(InferenceFailure.class, b::admit);
        assertTrue(refused.getMessage().contains("1000 input tokens per minute"), refused.getMessage());
        clock.addAndGet(SECOND * 60 / 1_000); // one input token back
        b.admit();
        b.chargeOutput(500); // a long generation overdraws by 380
        clock.addAndGet(SECOND * 60 * 380 / 120); // refilled back to exactly zero: still nothing
        assertThrows(InferenceFailure.class, b::admit);
        clock.addAndGet(1);
        b.admit();
    }

    @Test
    void anEmbeddingUnitHasNoOutputBudget() {
        ProvisionedBudget b = new ProvisionedBudget("pt", 1, new ModelUnit(10, 0, 0), clock::get);
        b.chargeOutput(1_000_000);
        b.admit();
        b.chargeInput(10);
        assertThrows(InferenceFailure.class, b::admit);
    }
}
