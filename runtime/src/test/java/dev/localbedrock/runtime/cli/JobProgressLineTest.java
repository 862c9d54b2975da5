package dev.localbedrock.runtime.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The {@code jobs watch} line for each state a job reports, from GetModelCustomizationJob's JSON. */
class JobProgressLineTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private static JobProgressLine.Snapshot snapshot(String json) throws Exception {
        return JobProgressLine.Snapshot.of(JSON.readTree(json));
    }

    private static final String TRAINING = """
            {"jobName": "colours", "status": "InProgress",
             "progress": {"step": 23, "totalSteps": 60, "epoch": 2, "epochCount": 3, "trainingLoss": 2.71344,
                          "tokensPerSecond": 1840.4, "etaSeconds": 41.2}}""";

    @Test
    void aTrainingJobShowsItsBarEpochStepLossThroughputAndEta() throws Exception {
        assertEquals("colours InProgress [#########...............]  38% epoch 2/3 step 23/60 loss 2.7134"
                + " 1840 tok/s ETA 0:41", JobProgressLine.format(snapshot(TRAINING)));
    }

    @Test
    void beforeTheFirstStepTheBarIsEmpty() throws Exception {
        assertEquals("colours InProgress [........................]   0% checking the data",
                JobProgressLine.format(snapshot("{\"jobName\": \"colours\", \"status\": \"InProgress\"}")));
    }

    @Test
    void aCompletedJobIsFullWithItsFinalLossWhateverStepWasLastSeen() throws Exception {
        JobProgressLine.Snapshot done = snapshot("""
                {"jobName": "colours", "status": "Completed", "trainingMetrics": {"trainingLoss": 0.0123},
                 "outputModelArn": "arn:aws:bedrock:us-east-1:000000000000:custom-model/m/abc"}""")
                .orLastSeen(snapshot(TRAINING).progress());
        assertEquals("colours Completed [########################] 100% epoch 3/3 step 60/60 training loss 0.0123",
                JobProgressLine.format(done));
        assertEquals("arn:aws:bedrock:us-east-1:000000000000:custom-model/m/abc", done.outputModelArn());
        assertTrue(done.ended());
    }

    @Test
    void aFailedJobShowsTheMessageAndAStoppedOneWhereItStopped() throws Exception {
        JobProgressLine.Snapshot failed = snapshot("""
                {"jobName": "j", "status": "Failed", "failureMessage": "Unable to parse Amazon S3 file: a.jsonl."}""");
        assertEquals("j Failed [........................]   0%: Unable to parse Amazon S3 file: a.jsonl.",
                JobProgressLine.format(failed));
        JobProgressLine.Snapshot stopped = snapshot("{\"jobName\": \"colours\", \"status\": \"Stopped\"}")
                .orLastSeen(snapshot(TRAINING).progress());
        assertEquals("colours Stopped [#########...............]  38% epoch 2/3 step 23/60 loss 2.7134 1840 tok/s",
                JobProgressLine.format(stopped), "no ETA once it has ended");
    }

    @Test
    void unknownFiguresAndLongEtasAreWrittenPlainly() throws Exception {
        JobProgressLine.Snapshot odd = snapshot("""
                {"jobName": "j", "status": "Stopping",
                 "progress": {"step": 0, "totalSteps": 0, "epoch": 1, "epochCount": 1}}""");
        assertEquals("j Stopping [........................]   0% epoch 1/1 step 0/0 loss ? ? tok/s ETA ?",
                JobProgressLine.format(odd));
        assertEquals("1:01:05", JobProgressLine.duration(3665));
        assertEquals("0:00", JobProgressLine.duration(0.2));
        assertEquals("?", JobProgressLine.duration(Double.POSITIVE_INFINITY));
        assertEquals("abcdefghijklmnopqrs", JobProgressLine.fit("abcdefghijklmnopqrstuvwxyz", 20));
        assertEquals("short", JobProgressLine.fit("short", 80));
        assertEquals("abcdefghijklmnopqrstuvwxyz", JobProgressLine.fit("abcdefghijklmnopqrstuvwxyz", 0), "unknown");
        assertNull(snapshot("{\"jobName\": \"j\", \"status\": \"InProgress\"}").progress());
    }

    @Test
    void aNewLineIsDueWhenTheStepOrTheStateChangesNotTheEta() throws Exception {
        JobProgressLine.Snapshot a = snapshot(TRAINING);
        JobProgressLine.Snapshot laterEta = snapshot(TRAINING.replace("41.2", "39.0"));
        JobProgressLine.Snapshot nextStep = snapshot(TRAINING.replace("\"step\": 23", "\"step\": 24"));
        JobProgressLine.Snapshot stopping = snapshot(TRAINING.replace("InProgress", "Stopping"));
        assertEquals(a.changeKey(), laterEta.changeKey());
        assertNotEquals(a.changeKey(), nextStep.changeKey());
        assertNotEquals(a.changeKey(), stopping.changeKey());
    }
}
