package dev.localbedrock.benchmarks.bandwidth;

import dev.localbedrock.benchmarks.checkpoint.BenchCheckpointWriter;
import dev.localbedrock.engines.synthetic.RandomLlamaCheckpoint.Shape;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class BandwidthProbeTest {
    @TempDir
    Path tmp;

    @Test
    void measuresPositiveBandwidth() {
        BandwidthProbe.Result r = BandwidthProbe.run(2, 32L << 20, 2);
        assertTrue(r.readGBps() > 0.1 && r.writeGBps() > 0.1 && r.copyGBps() > 0.1, r.toString());
        assertEquals(2e9 / 1e6, new BandwidthProbe.Result(1, 1, 1, 2, 0, 0).decodeBound(1_000_000), 1e-9);
    }

    @Test
    void sumIsASum() {
        long[] a = new long[1001];
        for (int i = 0; i < a.length; i++) {
            a[i] = i;
        }
        assertEquals(500_500, BandwidthProbe.sum(a, 0, a.length));
        assertEquals(3 + 4 + 5, BandwidthProbe.sum(a, 3, 6));
    }

    @Test
    void decodeBytesCountEveryWeightOnceAndTheEmbeddingOnlyAsAHead() throws Exception {
        Shape s = new Shape(32, 1, 2, 2, 48, 300, 64);
        Path tied = BenchCheckpointWriter.write(tmp.resolve("tied"), s, true, 0, 1);
        Path untied = BenchCheckpointWriter.write(tmp.resolve("untied"), s, false, 0, 1);
        long all = 4 * BenchCheckpointWriter.parameterCount(s, true);
        assertEquals(all, DecodeBytes.perToken(tied));
        assertEquals(all, DecodeBytes.perToken(untied), "the untied head replaces the embedding in the count");
    }
}
