package dev.localbedrock.knowledge.extract;

import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.Charset;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * Bytes to text for the plain formats (txt, Markdown, CSV): UTF-8, as the guide's formats are, unless a UTF-16
 * byte-order mark says otherwise. A UTF-8 BOM is dropped. Invalid bytes become U+FFFD and the document says so in
 * a warning, rather than failing a file over one stray Latin-1 byte.
 */
final class PlainText {
    static final String REPLACED_WARNING = "invalid UTF-8 bytes were replaced with U+FFFD";

    private PlainText() {
    }

    static String decode(byte[] bytes, List<String> warnings) {
        int offset = 0;
        Charset charset = StandardCharsets.UTF_8;
        if (startsWith(bytes, 0xEF, 0xBB, 0xBF)) {
            offset = 3;
        } else if (startsWith(bytes, 0xFE, 0xFF)) {
            offset = 2;
            charset = StandardCharsets.UTF_16BE;
        } else if (startsWith(bytes, 0xFF, 0xFE)) {
            offset = 2;
            charset = StandardCharsets.UTF_16LE;
        }
        ByteBuffer input = ByteBuffer.wrap(bytes, offset, bytes.length - offset);
        try {
            return charset.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(input.duplicate())
                    .toString();
        } catch (CharacterCodingException malformed) {
            warnings.add(charset == StandardCharsets.UTF_8 ? REPLACED_WARNING
                    : "invalid " + charset.name() + " bytes were replaced with U+FFFD");
            CharBuffer replaced;
            try {
                replaced = charset.newDecoder()
                        .onMalformedInput(CodingErrorAction.REPLACE)
                        .onUnmappableCharacter(CodingErrorAction.REPLACE)
                        .decode(input);
            } catch (CharacterCodingException impossible) {
                throw new IllegalStateException("a replacing decoder reported an error", impossible);
            }
            return replaced.toString();
        }
    }

    private static boolean startsWith(byte[] bytes, int... prefix) {
        if (bytes.length < prefix.length) {
            return false;
        }
        for (int i = 0; i < prefix.length; i++) {
            if ((bytes[i] & 0xFF) != prefix[i]) {
                return false;
            }
        }
        return true;
    }
}
