package dev.localbedrock.codecs.agent;

import java.security.SecureRandom;
import java.util.regex.Pattern;

/** The identifiers bedrock-agent gives its resources: ten characters of {@code [0-9A-Z]}, as the service model has. */
public final class AgentIds {
    /** Every id the service model accepts ({@code ^[0-9a-zA-Z]{10}$}); this server generates upper case only. */
    public static final Pattern ID = Pattern.compile("[0-9a-zA-Z]{10}");
    private static final char[] ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ".toCharArray();
    private static final SecureRandom RANDOM = new SecureRandom();

    private AgentIds() {
    }

    /** A fresh id; 36^10 values, so a collision is left to the table's primary key to refuse. */
    public static String newId() {
        char[] id = new char[10];
        for (int i = 0; i < id.length; i++) {
            id[i] = ALPHABET[RANDOM.nextInt(ALPHABET.length)];
        }
        return new String(id);
    }

    /**
     * Checks a path parameter against the id pattern.
     *
     * @throws dev.localbedrock.codecs.BedrockException ValidationException naming the member
     */
    public static String check(String member, String value) {
        AgentJson.Violations v = new AgentJson.Violations();
        v.pattern(member, value, ID, "^[0-9a-zA-Z]{10}$");
        v.throwIfAny();
        return value;
    }
}
