package dev.localbedrock.runtime.clients;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A real AWS client run as its own process (a Python with boto3, the AWS CLI), seeing only the AWS settings the test
 * gives it: none of the machine's profiles, config files, credentials or endpoints.
 */
final class ClientProcess {
    private ClientProcess() {
    }

    /** How a run ended: exit -1 when the program does not exist or ran past its time. */
    record Result(int exit, String stdout, String stderr) {
        String output() {
            return stdout + stderr;
        }
    }

    static Result run(List<String> command, Map<String, String> awsEnv, Path workDir, int timeoutSeconds)
            throws IOException, InterruptedException {
        Path out = Files.createTempFile(workDir, "client", ".out");
        Path err = Files.createTempFile(workDir, "client", ".err");
        ProcessBuilder builder = new ProcessBuilder(command).directory(workDir.toFile())
                .redirectOutput(out.toFile()).redirectError(err.toFile()).redirectInput(ProcessBuilder.Redirect.PIPE);
        Map<String, String> env = builder.environment();
        env.keySet().removeIf(name -> name.startsWith("AWS_"));
        env.put("AWS_CONFIG_FILE", workDir.resolve("no-aws-config").toString());
        env.put("AWS_SHARED_CREDENTIALS_FILE", workDir.resolve("no-aws-credentials").toString());
        env.put("AWS_EC2_METADATA_DISABLED", "true");
        env.put("AWS_PAGER", ""); // the CLI v2 would pipe its output through less
        env.put("NO_PROXY", "127.0.0.1,localhost");
        env.put("PYTHONDONTWRITEBYTECODE", "1");
        env.putAll(awsEnv);
        Process process;
        try {
            process = builder.start();
        } catch (IOException e) {
            return new Result(-1, "", String.valueOf(e)); // no such program
        }
        process.getOutputStream().close();
        if (!process.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            return new Result(-1, read(out), read(err) + "\ntimed out after " + timeoutSeconds + " s");
        }
        return new Result(process.exitValue(), read(out), read(err));
    }

    private static String read(Path file) throws IOException {
        return Files.readString(file, StandardCharsets.UTF_8);
    }
}
