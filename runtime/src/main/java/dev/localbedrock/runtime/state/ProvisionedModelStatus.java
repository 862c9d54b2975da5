package dev.localbedrock.runtime.state;

/** A provisioned model's lifecycle state, stored (and reported) as the Bedrock API spells it. */
public enum ProvisionedModelStatus {
    CREATING("Creating"), IN_SERVICE("InService"), UPDATING("Updating"), FAILED("Failed");

    private final String wire;

    ProvisionedModelStatus(String wire) {
        this.wire = wire;
    }

    public String wire() {
        return wire;
    }

    public static ProvisionedModelStatus fromWire(String value) {
        for (ProvisionedModelStatus s : values()) {
            if (s.wire.equals(value)) {
                return s;
            }
        }
        throw new StateException("unknown provisioned model status in the state database: " + value);
    }
}
