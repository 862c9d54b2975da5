package dev.localbedrock.engines.onnxruntime;

import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtProvider;
import ai.onnxruntime.OrtSession;

import java.util.Locale;

/**
 * Process-wide ONNX Runtime plumbing shared by the decoder and embedding models: the environment, device parsing and
 * session options. The one place that turns {@link OrtException} from session set-up into unchecked exceptions.
 */
final class OrtRuntime {
    private OrtRuntime() {
    }

    /** The process's ONNX Runtime environment (created once, never closed). */
    static OrtEnvironment env() {
        return OrtEnvironment.getEnvironment();
    }

    /**
     * Keeps DJL (whose Hugging Face tokenizers this engine uses) from reaching the network: sets
     * {@code ai.djl.offline=true} unless the property is already set.
     */
    static void djlOffline() {
        if (System.getProperty("ai.djl.offline") == null) {
            System.setProperty("ai.djl.offline", "true");
        }
    }

    /**
     * The CUDA device index {@code device} names, or -1 for the CPU.
     *
     * @param device {@code cpu} (also {@code null} or blank), {@code cuda} (device 0) or {@code cuda:N}
     * @throws IllegalArgumentException for anything else
     */
    static int cudaDeviceId(String device) {
        String d = device == null ? "" : device.trim().toLowerCase(Locale.ROOT);
        if (d.isEmpty() || d.equals("cpu")) {
            return -1;
        }
        if (d.equals("cuda") || d.equals("gpu")) {
            return 0;
        }
        if (d.startsWith("cuda:")) {
            try {
                int id = Integer.parseInt(d.substring(5));
                if (id >= 0) {
                    return id;
                }
            } catch (NumberFormatException e) {
                // fall through to the error below
            }
        }
        throw new IllegalArgumentException("unknown device '" + device + "' (accepted: cpu, cuda, cuda:N)");
    }

    /**
     * Threads one operator may use: {@code requested} when positive, else {@code OMP_NUM_THREADS} when it is a
     * positive integer, else 0 (ONNX Runtime's default, one per physical core).
     */
    static int intraOpThreads(int requested) {
        if (requested > 0) {
            return requested;
        }
        String omp = System.getenv("OMP_NUM_THREADS");
        if (omp != null) {
            try {
                int n = Integer.parseInt(omp.trim());
                if (n > 0) {
                    return n;
                }
            } catch (NumberFormatException e) {
                // ignore a malformed value, as OpenMP itself would
            }
        }
        return 0;
    }

    /**
     * System property: {@code false} stops ONNX Runtime's intra-op worker threads from spin-waiting for work between
     * operators (its {@code session.intra_op.allow_spinning}); unset or {@code true} keeps ONNX Runtime's default
     * (spinning: lowest latency for one model alone). Turn it off when several models (or engines) share the cores,
     * where one session's spinning threads slow the others down.
     */
    static final String SPINNING_PROPERTY = "localbedrock.ort.spinning";

    /**
     * Session options for {@code device}: all graph optimisations, the intra-op thread count (see
     * {@link #intraOpThreads}), spin-waiting as {@value #SPINNING_PROPERTY} says, and the CUDA execution provider for
     * {@code cuda}/{@code cuda:N}.
     *
     * @param memoryPattern whether ONNX Runtime may plan memory per input shape; off for decoders, whose shapes change
     *                      every step
     * @throws IllegalArgumentException for an unknown device, or a CUDA device when this ONNX Runtime build has no CUDA
     *                                  provider (the default {@code onnxruntime} artifact is CPU-only)
     */
    static OrtSession.SessionOptions sessionOptions(String device, int intraOpThreads, boolean memoryPattern) {
        int cuda = cudaDeviceId(device);
        OrtSession.SessionOptions options = new OrtSession.SessionOptions();
        try {
            options.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.ALL_OPT);
            options.setMemoryPatternOptimization(memoryPattern);
            int threads = intraOpThreads(intraOpThreads);
            if (threads > 0) {
                options.setIntraOpNumThreads(threads);
            }
            if ("false".equalsIgnoreCase(System.getProperty(SPINNING_PROPERTY, "").trim())) {
                options.addConfigEntry("session.intra_op.allow_spinning", "0");
            }
            if (cuda >= 0) {
                if (!OrtEnvironment.getAvailableProviders().contains(OrtProvider.CUDA)) {
                    throw new IllegalArgumentException("device '" + device + "' needs ONNX Runtime's CUDA execution "
                            + "provider, which this ONNX Runtime build lacks (available: "
                            + OrtEnvironment.getAvailableProviders() + "); build with -Pcuda "
                            + "(com.microsoft.onnxruntime:onnxruntime_gpu) on a host with CUDA, or use device cpu");
                }
                // f32 means f32: the CUDA provider's default (use_tf32=1) runs f32 MatMul and Conv on Ampere and later
                // in TF32, a 10-bit mantissa, so logits would drift from the CPU and PyTorch engines by far more than
                // f32 rounding allows. The options are copied into the session options, so they close here.
                try (ai.onnxruntime.providers.OrtCUDAProviderOptions provider =
                             new ai.onnxruntime.providers.OrtCUDAProviderOptions(cuda)) {
                    provider.add("use_tf32", "0");
                    options.addCUDA(provider);
                }
            }
            return options;
        } catch (OrtException e) {
            options.close();
            throw new IllegalArgumentException("cannot configure ONNX Runtime for device '" + device + "': "
                    + e.getMessage(), e);
        } catch (RuntimeException e) {
            options.close();
            throw e;
        }
    }
}
