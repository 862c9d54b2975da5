package dev.localbedrock.engines.diffusion;

import org.junit.jupiter.api.Test;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class PngImagesTest {

    private static byte[] randomRgb(int width, int height, long seed) {
        byte[] rgb = new byte[3 * width * height];
        new SplittableRandom(seed).nextBytes(rgb);
        return rgb;
    }

    @Test
    void roundTripKeepsEveryPixelAndChannelOrder() throws Exception {
        int w = 37, h = 23; // odd sizes: no accidental row padding
        byte[] rgb = randomRgb(w, h, 1);
        byte[] png = PngImages.encode(rgb, w, h);
        assertEquals((byte) 0x89, png[0]);
        assertEquals('P', png[1]);
        PngImages.Decoded decoded = PngImages.decode(png);
        assertEquals(w, decoded.width());
        assertEquals(h, decoded.height());
        assertArrayEquals(rgb, decoded.rgb());

        // ImageIO's own reading agrees on the channel order: pixel (x=5, y=7)
        BufferedImage image = ImageIO.read(new ByteArrayInputStream(png));
        int i = 3 * (7 * w + 5);
        int expected = ((rgb[i] & 0xFF) << 16) | ((rgb[i + 1] & 0xFF) << 8) | (rgb[i + 2] & 0xFF);
        assertEquals(expected, image.getRGB(5, 7) & 0xFFFFFF);
    }

    @Test
    void samePixelsGiveTheSameBytes() {
        byte[] rgb = randomRgb(16, 8, 2);
        assertArrayEquals(PngImages.encode(rgb, 16, 8), PngImages.encode(rgb.clone(), 16, 8));
    }

    @Test
    void refusesAnArrayOfTheWrongSize() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> PngImages.encode(new byte[3 * 4 * 4 - 1], 4, 4));
        assertEquals("an RGB image of 4×4 has 48 bytes, got 47", e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> PngImages.encode(new byte[0], 0, 0));
        assertThrows(IllegalArgumentException.class, () -> PngImages.decode(new byte[]{1, 2, 3}));
    }
}
