package dev.localbedrock.runtime.cli;

import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;

/** The command line run in-process, as {@code bedrock-runtime ARGS} would run it, for tests outside this package. */
public final class InProcessCli {
    private InProcessCli() {
    }

    /** How a run ended: its exit status and what it printed to stdout and stderr. */
    public record Run(int exit, String out, String err) {
    }

    public static Run run(String... args) {
        CommandLine cli = Main.commandLine();
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(err, true));
        int exit = cli.execute(args);
        return new Run(exit, out.toString(), err.toString());
    }
}
