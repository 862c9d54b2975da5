package dev.localbedrock.engines.diffusion;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.awt.image.DataBufferByte;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * 8-bit RGB images to and from PNG with the JDK's ImageIO. The PNG writer adds no time or other metadata, so the same
 * pixels always give the same bytes.
 */
public final class PngImages {
    private PngImages() {
    }

    /**
     * PNG bytes of {@code rgb}: row-major, 3 bytes (R, G, B) per pixel, {@code width × height} pixels.
     *
     * @throws IllegalArgumentException when the sizes are not positive or the array is not {@code 3·width·height}
     */
    public static byte[] encode(byte[] rgb, int width, int height) {
        if (width < 1 || height < 1 || rgb.length != 3L * width * height) {
            throw new IllegalArgumentException("an RGB image of " + width + "×" + height + " has "
                    + 3L * width * height + " bytes, got " + rgb.length);
        }
        BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_3BYTE_BGR);
        byte[] raster = ((DataBufferByte) image.getRaster().getDataBuffer()).getData();
        for (int i = 0; i < rgb.length; i += 3) { // the raster stores B, G, R
            raster[i] = rgb[i + 2];
            raster[i + 1] = rgb[i + 1];
            raster[i + 2] = rgb[i];
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream(rgb.length / 2 + 1024);
        try {
            if (!ImageIO.write(image, "png", out)) {
                throw new IllegalStateException("this JDK has no PNG writer");
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e); // a ByteArrayOutputStream does not fail
        }
        return out.toByteArray();
    }

    /** A decoded image: its size and its pixels in the layout {@link #encode} takes. */
    public record Decoded(int width, int height, byte[] rgb) {
    }

    /**
     * Decodes a PNG (or any format ImageIO reads) to 8-bit RGB, dropping any alpha.
     *
     * @throws IllegalArgumentException when the bytes are not an image ImageIO can read
     */
    public static Decoded decode(byte[] png) {
        BufferedImage image;
        try {
            image = ImageIO.read(new ByteArrayInputStream(png));
        } catch (IOException e) {
            throw new IllegalArgumentException("not a readable image: " + e.getMessage(), e);
        }
        if (image == null) {
            throw new IllegalArgumentException("not a readable image");
        }
        int w = image.getWidth();
        int h = image.getHeight();
        byte[] rgb = new byte[3 * w * h];
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                int argb = image.getRGB(x, y);
                int i = 3 * (y * w + x);
                rgb[i] = (byte) (argb >>> 16);
                rgb[i + 1] = (byte) (argb >>> 8);
                rgb[i + 2] = (byte) argb;
            }
        }
        return new Decoded(w, h, rgb);
    }
}
