package dev.localbedrock.engines.pytorch;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.jni.JniUtils;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Process-wide set-up of DJL's PyTorch engine: offline native loading, intra-op threads and device names.
 *
 * <p>The engine must exist before any direct {@link JniUtils} call (otherwise the native library is not loaded), and
 * libtorch's thread count is global to the process, so both live here rather than in a model.
 */
public final class PtRuntime {
    private static final Logger log = LoggerFactory.getLogger(PtRuntime.class);
    private static final Pattern CUDA = Pattern.compile("(?:cuda|gpu)(?::?(\\d+))?");

    private PtRuntime() {
    }

    /**
     * The PyTorch engine, created on first use. Sets {@code ai.djl.offline=true} first unless the property is already
     * set: the native library must come from the {@code pytorch-native-*} jar on the class path, never the network.
     */
    public static synchronized Engine engine() {
        if (System.getProperty("ai.djl.offline") == null) {
            System.setProperty("ai.djl.offline", "true");
        }
        return Engine.getEngine("PyTorch");
    }

    /**
     * Sets libtorch's intra-op thread count: {@code threads} when positive, else {@code OMP_NUM_THREADS} when set,
     * else libtorch's own default (one per core), for the calling thread and as the default of threads that have not
     * used libtorch yet (see {@link #applyIntraOpThreadsToThisThread}).
     */
    public static synchronized void applyIntraOpThreads(int threads) {
        engine();
        int n = threads;
        if (n <= 0) {
            String env = System.getenv("OMP_NUM_THREADS");
            if (env != null && !env.isBlank()) {
                try {
                    n = Integer.parseInt(env.trim());
                } catch (NumberFormatException e) {
                    log.warn("ignoring OMP_NUM_THREADS={}: not an integer", env);
                }
            }
        }
        if (n > 0 && JniUtils.getNumThreads() != n) {
            JniUtils.setNumThreads(n);
            log.info("libtorch intra-op threads: {}", n);
        }
    }

    /**
     * Sets libtorch's intra-op thread count for the calling thread only, leaving every other thread's count and the
     * process default (what a thread gets the first time it calls libtorch) as they were.
     *
     * <p>libtorch (OpenMP build) keeps the count per thread: {@code at::set_num_threads} sets the caller's OpenMP
     * count and the process default, and a thread copies the default the first time it reads the count (any parallel
     * op does). So a trainer that set its count the plain way would change the count of every serving thread started
     * after it. Here the default is read on a fresh thread before and written back from another fresh thread after,
     * so only the caller keeps {@code threads}.
     */
    public static synchronized void applyIntraOpThreadsToThisThread(int threads) {
        if (threads <= 0) {
            throw new IllegalArgumentException("threads must be positive: " + threads);
        }
        engine();
        int processDefault = onFreshThread(JniUtils::getNumThreads);
        // A thread copies the default at its first get (not at a set): do that first, or the write-back below would
        // become this thread's count at its next libtorch call.
        JniUtils.getNumThreads();
        JniUtils.setNumThreads(threads);
        onFreshThread(() -> {
            JniUtils.setNumThreads(processDefault);
            return processDefault;
        });
    }

    private static int onFreshThread(java.util.function.IntSupplier task) {
        int[] result = new int[1];
        RuntimeException[] failure = new RuntimeException[1];
        Thread t = new Thread(() -> {
            try {
                result[0] = task.getAsInt();
            } catch (RuntimeException e) {
                failure[0] = e;
            }
        }, "libtorch-threads");
        t.start();
        try {
            t.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while setting libtorch threads", e);
        }
        if (failure[0] != null) {
            throw failure[0];
        }
        return result[0];
    }

    /**
     * Throws an {@link IllegalArgumentException} unless libtorch can allocate on {@code device}: a CUDA device with
     * the CPU-only libtorch (the default native jar), or an absent GPU, is reported at load with a hint instead of
     * failing in the first step.
     */
    public static void requireUsable(Device device) {
        if (!device.isGpu()) {
            return;
        }
        try (NDManager probe = engine().newBaseManager(device)) {
            probe.zeros(new Shape(1)).toFloatArray();
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("device " + device + " is not usable by libtorch ("
                    + e.getMessage() + "); the bundled libtorch is CPU-only: for CUDA point PYTORCH_LIBRARY_PATH "
                    + "at a CUDA libtorch (see docs/gpu.md), or use device cpu", e);
        }
    }

    /**
     * Parses {@code cpu}, {@code cuda}, {@code cuda:N} (also DJL's {@code gpu}, {@code gpuN}) into a DJL device.
     *
     * @throws IllegalArgumentException for any other name
     */
    public static Device device(String name) {
        String n = name == null ? "cpu" : name.trim().toLowerCase(Locale.ROOT);
        if (n.isEmpty() || n.equals("cpu")) {
            return Device.cpu();
        }
        Matcher m = CUDA.matcher(n);
        if (m.matches()) {
            return Device.gpu(m.group(1) == null ? 0 : Integer.parseInt(m.group(1)));
        }
        throw new IllegalArgumentException("unknown device '" + name + "': use cpu, cuda or cuda:N");
    }
}
