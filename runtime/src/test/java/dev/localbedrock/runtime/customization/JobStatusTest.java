package dev.localbedrock.runtime.customization;

import dev.localbedrock.codecs.BedrockErrorType;
import dev.localbedrock.codecs.BedrockException;
import org.junit.jupiter.api.Test;

import java.util.EnumSet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class JobStatusTest {
    @Test
    void theGuidesMachineAndNothingElse() {
        assertEquals(EnumSet.of(JobStatus.Completed, JobStatus.Failed, JobStatus.Stopping),
                JobStatus.InProgress.next());
        assertEquals(EnumSet.of(JobStatus.Stopped, JobStatus.Completed, JobStatus.Failed), JobStatus.Stopping.next());
        for (JobStatus from : JobStatus.values()) {
            for (JobStatus to : JobStatus.values()) {
                if (from.next().contains(to)) {
                    assertEquals(to, from.moveTo(to));
                } else {
                    assertThrows(IllegalStateException.class, () -> from.moveTo(to), from + " → " + to);
                }
            }
            assertEquals(from.terminal(), from.next().isEmpty(), from.toString());
        }
        assertFalse(JobStatus.Stopping.terminal());
        assertTrue(JobStatus.Stopped.terminal());
    }

    @Test
    void stopIsForJobsInProgressOnly() {
        assertEquals(JobStatus.Stopping, JobStatus.InProgress.stop("job-1"));
        assertEquals(JobStatus.Stopping, JobStatus.Stopping.stop("job-1"));
        for (JobStatus done : EnumSet.of(JobStatus.Completed, JobStatus.Failed, JobStatus.Stopped)) {
            BedrockException e = assertThrows(BedrockException.class, () -> done.stop("job-1"));
            assertEquals(BedrockErrorType.VALIDATION, e.type());
            assertEquals("The customization job job-1 is " + done + "; only a job that is InProgress can be stopped.",
                    e.getMessage());
        }
    }
}
