package dev.localbedrock.runtime.robustness;

/**
 * How big the robustness tests run: {@code -Drobustness.form=ci} (the default: seconds, part of {@code ./test.sh}) or
 * {@code -Drobustness.form=long} (the figures in docs/reliability.md: minutes). A single figure can be overridden on
 * its own, e.g. {@code -Drobustness.soak.requests=5000}, to run a long form that fits the time at hand.
 */
final class RobustnessForm {
    static final String PROPERTY = "robustness.form";

    private RobustnessForm() {
    }

    static boolean isLong() {
        String form = System.getProperty(PROPERTY, "ci");
        if (!form.equals("ci") && !form.equals("long")) {
            throw new IllegalArgumentException(PROPERTY + " must be ci or long, not " + form);
        }
        return form.equals("long");
    }

    /** {@code ci} or {@code longForm} by the form, unless the system property {@code key} gives the figure. */
    static int pick(String key, int ci, int longForm) {
        String override = System.getProperty(key);
        return override != null ? Integer.parseInt(override.trim()) : isLong() ? longForm : ci;
    }

    static String name() {
        return isLong() ? "long" : "ci";
    }
}
