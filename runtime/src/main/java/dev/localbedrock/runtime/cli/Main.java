package dev.localbedrock.runtime.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code java -jar bedrock-runtime.jar serve|generate ...} */
@Command(name = "bedrock-runtime", mixinStandardHelpOptions = true, version = "local-bedrock 0.1.0",
        description = "A local Amazon Bedrock runtime serving open-weight models.",
        subcommands = {ServeCommand.class, GenerateCommand.class, CommandLine.HelpCommand.class})
public final class Main implements Runnable {

    public static void main(String[] args) {
        // Never let DJL reach for its CDN: everything it needs ships in the jar.
        System.setProperty("ai.djl.offline", System.getProperty("ai.djl.offline", "true"));
        System.exit(new CommandLine(new Main()).execute(args));
    }

    @Override
    public void run() {
        new CommandLine(this).usage(System.out);
    }
}
