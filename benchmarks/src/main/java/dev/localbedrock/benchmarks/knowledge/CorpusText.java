package dev.localbedrock.benchmarks.knowledge;

import java.util.List;
import java.util.Random;

/**
 * Deterministic operations-manual prose for the knowledge-base benchmarks: sentences built from a few dozen words
 * of each part, so texts differ in what they are about (their embeddings spread over many topics, as a real
 * corpus's do) while staying ordinary English a tokenizer and an embedding model treat as such.
 */
public final class CorpusText {
    private static final List<String> ADJECTIVES = List.of("primary", "backup", "north", "south", "legacy",
            "redundant", "external", "internal", "regional", "nightly", "encrypted", "temporary", "shared",
            "dedicated", "cold", "hot", "staging", "production", "archived", "secondary");
    private static final List<String> SUBJECTS = List.of("pump", "valve", "invoice", "router", "database",
            "turbine", "payroll run", "load balancer", "compressor", "certificate", "storage array", "freight order",
            "sensor", "conveyor", "firewall", "warehouse scanner", "boiler", "ledger", "cooling loop", "print queue",
            "badge reader", "backup job", "forklift", "transformer", "mail relay", "shipping label", "chiller",
            "purchase order", "hydraulic press", "message broker");
    private static final List<String> VERBS = List.of("must be inspected", "is restarted", "is replaced",
            "reports a fault", "is calibrated", "is rotated", "is drained", "is audited", "is approved",
            "is paused", "is reconciled", "is flushed", "is updated", "is locked out", "is escalated",
            "is reviewed", "is tested", "is archived", "is cleaned", "is rebalanced");
    private static final List<String> CONDITIONS = List.of("before the night shift starts",
            "when the pressure exceeds the rated limit", "after every firmware change", "at the end of each quarter",
            "if the temperature drops below freezing", "whenever the alarm panel shows amber",
            "once the supplier confirms delivery", "during the monthly maintenance window",
            "before any customer data is exported", "when the queue holds more than a thousand items",
            "after a power failure", "if two readings disagree", "within four hours of an incident",
            "before the auditors arrive", "when the vibration level rises", "after the site manager signs off",
            "if the backlog grows for three days", "whenever a new operator is trained",
            "when the spare parts are low", "after the annual safety review");
    private static final List<String> FOLLOW_UPS = List.of("Record the reading in the site log.",
            "Notify the on-call engineer by phone.", "Attach the signed checklist to the ticket.",
            "Keep the old part for the vendor.", "Do not skip the second person check.",
            "Update the asset register the same day.", "Photograph the label before removal.",
            "Escalate to finance if the amounts differ.", "Leave the breaker tagged until cleared.",
            "Close the change request when done.");

    private final Random random;

    public CorpusText(long seed) {
        this.random = new Random(seed);
    }

    /** One sentence: a subject, what happens to it and when, sometimes followed by an instruction. */
    public String sentence() {
        StringBuilder s = new StringBuilder("The ");
        s.append(pick(ADJECTIVES)).append(' ').append(pick(SUBJECTS)).append(' ').append(pick(VERBS)).append(' ')
                .append(pick(CONDITIONS)).append('.');
        if (random.nextInt(3) == 0) {
            s.append(' ').append(pick(FOLLOW_UPS));
        }
        return s.toString();
    }

    /** About {@code words} words of sentences. */
    public String paragraph(int words) {
        StringBuilder p = new StringBuilder();
        int count = 0;
        while (count < words) {
            String s = sentence();
            if (!p.isEmpty()) {
                p.append(' ');
            }
            p.append(s);
            count += s.split(" ").length;
        }
        return p.toString();
    }

    /** A short heading naming one of the subjects. */
    public String heading() {
        String subject = pick(SUBJECTS);
        return Character.toUpperCase(subject.charAt(0)) + subject.substring(1) + " procedures, " + pick(ADJECTIVES)
                + " site";
    }

    private String pick(List<String> words) {
        return words.get(random.nextInt(words.size()));
    }
}
