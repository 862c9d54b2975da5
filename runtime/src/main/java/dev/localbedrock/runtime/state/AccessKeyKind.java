package dev.localbedrock.runtime.state;

/** A long-term key ({@code AKIA…}, no expiry) or temporary credentials ({@code ASIA…}, a session token, an expiry). */
public enum AccessKeyKind {
    LONG_TERM("long-term"),
    TEMPORARY("temporary");

    private final String stored;

    AccessKeyKind(String stored) {
        this.stored = stored;
    }

    /** The value in the {@code kind} column and in listings. */
    public String stored() {
        return stored;
    }

    static AccessKeyKind fromStored(String value) {
        for (AccessKeyKind kind : values()) {
            if (kind.stored.equals(value)) {
                return kind;
            }
        }
        throw new StateException("unknown access key kind in the state database: " + value);
    }
}
