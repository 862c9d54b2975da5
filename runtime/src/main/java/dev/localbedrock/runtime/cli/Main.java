package dev.localbedrock.runtime.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code java -jar bedrock-runtime.jar serve|generate ...} */
@Command(name = "bedrock-runtime", mixinStandardHelpOptions = true, version = "local-bedrock 0.1.0",
        description = "A local Amazon Bedrock runtime serving open-weight models.",
        subcommands = {ServeCommand.class, GenerateCommand.class, BuildOnnxCommand.class, AccessCommand.class,
                CapacityCommand.class, JobsCommand.class, KeysCommand.class, PoliciesCommand.class,
                CommandLine.HelpCommand.class})
public final class Main implements Runnable {

    public static void main(String[] args) {
        // Never let DJL reach for its CDN: everything it needs ships in the jar.
        System.setProperty("ai.djl.offline", System.getProperty("ai.djl.offline", "true"));
        System.exit(commandLine().execute(args));
    }

    /**
     * The command line with an error handler that prints what went wrong (a missing model directory, an unsupported
     * architecture) as one line instead of a stack trace; {@code LOG_LEVEL=DEBUG} logs the trace too.
     */
    public static CommandLine commandLine() {
        CommandLine cli = new CommandLine(new Main());
        cli.setExecutionExceptionHandler((e, cmd, parsed) -> {
            cmd.getErr().println("error: " + (e.getMessage() != null ? e.getMessage() : e.toString()));
            org.slf4j.LoggerFactory.getLogger(Main.class).debug("command failed", e);
            return 1;
        });
        return cli;
    }

    @Override
    public void run() {
        new CommandLine(this).usage(System.out);
    }
}
