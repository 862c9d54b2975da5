package dev.localbedrock.engines.onnxruntime;

import ai.onnxruntime.NodeInfo;
import ai.onnxruntime.OnnxJavaType;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.TensorInfo;

import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The exported VAE decoder: {@code latent_sample [batch, C, h, w]} (float or float16, as declared) in,
 * {@code sample [batch, 3, f·h, f·w]} out, roughly in {@code [-1, 1]}.
 */
final class VaeDecoderSession implements AutoCloseable {
    static final String LATENT = "latent_sample";

    private final OrtEnvironment env;
    private final OrtSession session;
    private final String what;
    private final OnnxJavaType latentType;
    private final String output;
    private final int channels;
    private final int scaleFactor;

    VaeDecoderSession(OrtEnvironment env, OrtSession session, String what, int channels, int scaleFactor)
            throws OrtException {
        this.env = env;
        this.session = session;
        this.what = what;
        this.channels = channels;
        this.scaleFactor = scaleFactor;
        Map<String, NodeInfo> inputs = session.getInputInfo();
        TensorInfo latent = OrtTensors.declared(inputs, LATENT, what + " inputs");
        this.latentType = OrtTensors.floating(latent, LATENT, what);
        if (inputs.size() != 1) {
            throw new IllegalArgumentException(what + ": inputs " + inputs.keySet()
                    + "; a VAE decoder takes latent_sample only");
        }
        long declared = OrtTensors.dim(latent, 1);
        if (declared > 0 && declared != channels) {
            throw new IllegalArgumentException(what + ": latent_sample has " + declared
                    + " channels but the UNet's latents have " + channels);
        }
        Map<String, NodeInfo> outputs = session.getOutputInfo();
        this.output = outputs.containsKey("sample") ? "sample" : outputs.keySet().iterator().next();
        OrtTensors.floating(OrtTensors.declared(outputs, output, what + " outputs"), output, what);
    }

    /** The decoder's output for {@code latents} (already divided by the scaling factor), one row per latent. */
    float[][] run(List<float[]> latents, int height, int width) {
        int batch = latents.size();
        int latentLength = channels * height * width;
        float[] flat = new float[batch * latentLength];
        for (int i = 0; i < batch; i++) {
            System.arraycopy(latents.get(i), 0, flat, i * latentLength, latentLength);
        }
        int imageLength = 3 * height * scaleFactor * width * scaleFactor;
        try (OnnxTensor in = OrtTensors.create(env, latentType, flat, new long[]{batch, channels, height, width});
             OrtSession.Result result = session.run(Map.of(LATENT, in), Set.of(output))) {
            float[] images = OrtTensors.read((OnnxTensor) result.get(0), what + " output " + output);
            if (images.length != (long) batch * imageLength) {
                throw new IllegalStateException(what + ": " + output + " has " + images.length + " values, expected "
                        + batch + " × 3 × " + height * scaleFactor + " × " + width * scaleFactor
                        + " (is the VAE scale factor " + scaleFactor + " right?)");
            }
            float[][] out = new float[batch][imageLength];
            for (int i = 0; i < batch; i++) {
                System.arraycopy(images, i * imageLength, out[i], 0, imageLength);
            }
            return out;
        } catch (OrtException e) {
            throw new IllegalStateException(what + ": ONNX Runtime failed (batch " + batch + ", latent " + height
                    + "×" + width + "): " + e.getMessage(), e);
        }
    }

    @Override
    public void close() {
        OrtSessions.close(session, what);
    }
}
