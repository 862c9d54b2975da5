package dev.localbedrock.runtime.iam;

import java.net.InetAddress;
import java.net.UnknownHostException;

/**
 * An IPv4 or IPv6 block ({@code 203.0.113.0/24}, {@code 2001:db8::/32}; a bare address is a /32 or /128).
 * Only literal addresses are parsed: nothing here may trigger a DNS lookup.
 */
final class Cidr {
    private final byte[] network;
    private final int prefix;

    private Cidr(byte[] network, int prefix) {
        this.network = network;
        this.prefix = prefix;
    }

    static Cidr parse(String text) {
        String value = text.trim();
        int slash = value.indexOf('/');
        byte[] address = literal(slash < 0 ? value : value.substring(0, slash));
        if (address == null) {
            return null;
        }
        int bits = address.length * 8;
        int prefix = bits;
        if (slash >= 0) {
            try {
                prefix = Integer.parseInt(value.substring(slash + 1));
            } catch (NumberFormatException e) {
                return null;
            }
            if (prefix < 0 || prefix > bits) {
                return null;
            }
        }
        return new Cidr(address, prefix);
    }

    boolean contains(String addressText) {
        byte[] address = literal(addressText.trim());
        if (address == null || address.length != network.length) {
            return false;
        }
        int full = prefix / 8;
        for (int i = 0; i < full; i++) {
            if (address[i] != network[i]) {
                return false;
            }
        }
        int rest = prefix % 8;
        if (rest == 0) {
            return true;
        }
        int mask = (0xFF << (8 - rest)) & 0xFF;
        return (address[full] & mask) == (network[full] & mask);
    }

    /** The bytes of a literal IPv4 (dotted quad) or IPv6 address, or null for anything else (host names too). */
    static byte[] literal(String text) {
        if (text.isEmpty()) {
            return null;
        }
        if (text.indexOf(':') >= 0) {
            if (!text.chars().allMatch(c -> Character.digit(c, 16) >= 0 || c == ':' || c == '.')) {
                return null;
            }
        } else if (!ipv4(text)) {
            return null;
        }
        try {
            // Only literals reach here (checked above), so getByName parses and never resolves.
            byte[] bytes = InetAddress.getByName(text).getAddress();
            return bytes;
        } catch (UnknownHostException e) {
            return null;
        }
    }

    private static boolean ipv4(String text) {
        String[] parts = text.split("\\.", -1);
        if (parts.length != 4) {
            return false;
        }
        for (String part : parts) {
            if (part.isEmpty() || part.length() > 3 || !part.chars().allMatch(Character::isDigit)
                    || Integer.parseInt(part) > 255) {
                return false;
            }
        }
        return true;
    }
}
