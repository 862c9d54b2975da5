package dev.localbedrock.runtime.customization;

import dev.localbedrock.codecs.BedrockErrorType;
import dev.localbedrock.codecs.BedrockException;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class HyperparametersTest {
    @Test
    void theGuidesExampleValuesAreAcceptedAndMissingOnesDefault() {
        Hyperparameters h = Hyperparameters.parse(Map.of("epochCount", "1", "batchSize", "1", "learningRate",
                "0.005", "learningRateWarmupSteps", "0"));
        assertEquals(new Hyperparameters(1, 1, 0.005, 0), h);
        assertEquals(Hyperparameters.defaults(), Hyperparameters.parse(Map.of()));
        assertEquals(Hyperparameters.defaults(), Hyperparameters.parse(null));
        assertEquals(1.0e-6, Hyperparameters.parse(Map.of("learningRate", "1.00E-06")).learningRate(), 0);
        assertEquals(Map.of("epochCount", "1", "batchSize", "1", "learningRate", "0.005",
                "learningRateWarmupSteps", "0"), h.asStrings());
    }

    @Test
    void outOfRangeOrMalformedValuesNameTheHyperparameterAndItsRange() {
        assertEquals("Hyperparameter batchSize must be an integer from 1 to 4, not '8'.",
                refusal(Map.of("batchSize", "8")));
        assertEquals("Hyperparameter epochCount must be an integer from 1 to 10, not 'two'.",
                refusal(Map.of("epochCount", "two")));
        assertEquals("Hyperparameter epochCount must be an integer from 1 to 10, not '0'.",
                refusal(Map.of("epochCount", "0")));
        assertEquals("Hyperparameter learningRateWarmupSteps must be an integer from 0 to 250, not '251'.",
                refusal(Map.of("learningRateWarmupSteps", "251")));
        assertEquals("Hyperparameter learningRate must be a number above 0 and at most 1, not '0'.",
                refusal(Map.of("learningRate", "0")));
        assertEquals("Hyperparameter learningRate must be a number above 0 and at most 1, not 'fast'.",
                refusal(Map.of("learningRate", "fast")));
        assertEquals("Unknown hyperparameters [epochs]; FINE_TUNING takes [batchSize, epochCount, learningRate,"
                + " learningRateWarmupSteps].", refusal(Map.of("epochs", "2")));
    }

    private static String refusal(Map<String, String> values) {
        BedrockException e = assertThrows(BedrockException.class, () -> Hyperparameters.parse(values));
        assertEquals(BedrockErrorType.VALIDATION, e.type());
        return e.getMessage();
    }
}
