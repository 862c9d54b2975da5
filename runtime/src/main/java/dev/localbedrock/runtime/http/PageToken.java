package dev.localbedrock.runtime.http;

import dev.localbedrock.codecs.BedrockException;

import java.nio.charset.StandardCharsets;
import java.util.Base64;

/**
 * The {@code nextToken} of a paginated List: an opaque string to the client, here the position of the next item,
 * base64url-encoded. A token that does not decode, or points past the list, is a ValidationException.
 */
final class PageToken {
    private static final String PREFIX = "p1:";

    private PageToken() {
    }

    static String encode(int position) {
        return Base64.getUrlEncoder().withoutPadding()
                .encodeToString((PREFIX + position).getBytes(StandardCharsets.US_ASCII));
    }

    /** The position a token names (0 for none). */
    static int decode(String token, int size) {
        if (token == null) {
            return 0;
        }
        try {
            String text = new String(Base64.getUrlDecoder().decode(token), StandardCharsets.US_ASCII);
            if (text.startsWith(PREFIX)) {
                int position = Integer.parseInt(text.substring(PREFIX.length()));
                if (position >= 0 && position <= size) {
                    return position;
                }
            }
        } catch (IllegalArgumentException e) {
            // falls through to the refusal
        }
        throw BedrockException.validation("The nextToken is not one this server gave out.");
    }
}
