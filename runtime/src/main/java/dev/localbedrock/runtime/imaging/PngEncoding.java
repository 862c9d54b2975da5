package dev.localbedrock.runtime.imaging;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;

/** PNG encoding of the VAE's 8-bit RGB output, with the JDK's own encoder (no native dependency). */
final class PngEncoding {
    private PngEncoding() {
    }

    /** {@code rgb}: row-major, 3 bytes per pixel, {@code width × height} pixels. */
    static byte[] rgb(byte[] rgb, int width, int height) {
        if (rgb.length != 3L * width * height) {
            throw new IllegalArgumentException(rgb.length + " bytes for a " + width + "x" + height + " RGB image");
        }
        BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        int[] row = new int[width];
        for (int y = 0, at = 0; y < height; y++) {
            for (int x = 0; x < width; x++, at += 3) {
                row[x] = (rgb[at] & 0xff) << 16 | (rgb[at + 1] & 0xff) << 8 | (rgb[at + 2] & 0xff);
            }
            image.setRGB(0, y, width, 1, row, 0, width);
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            if (!ImageIO.write(image, "png", out)) {
                throw new IllegalStateException("the JDK has no PNG writer");
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }
}
