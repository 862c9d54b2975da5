package dev.localbedrock.runtime.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.PrintWriter;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

/**
 * {@code bedrock-runtime jobs watch JOB | jobs list}: a running server's fine-tuning jobs over its control plane
 * (GetModelCustomizationJob, ListModelCustomizationJobs), signed as the AWS SDKs sign (see {@link AdminRequestSigner})
 * so a server in {@code auth: sigv4} mode applies the caller's policies
 * ({@code bedrock:GetModelCustomizationJob} / {@code ListModelCustomizationJobs}).
 */
@Command(name = "jobs", mixinStandardHelpOptions = true,
        description = "Watch or list model customization (fine-tuning) jobs on a running server.",
        subcommands = {JobsCommand.Watch.class, JobsCommand.ListJobs.class})
final class JobsCommand implements Runnable {
    /** {@code jobs watch}'s exit statuses (2 is picocli's, for a bad command line). */
    static final int COMPLETED = 0;
    static final int FAILED = 1;
    static final int STOPPED = 3;
    /** The server could not be reached or refused the request (no such job, access denied). */
    static final int NOT_ANSWERED = 4;

    private static final ObjectMapper JSON = new ObjectMapper();

    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    /**
     * Polls one job until it ends. On a terminal its progress bar is redrawn in place ({@code \r}); otherwise (a
     * pipe, a log file, {@code --lines}) a line is printed each time the state or the step changes.
     */
    @Command(name = "watch", mixinStandardHelpOptions = true,
            description = "Show a job's progress (epoch, step, loss, tokens/s, ETA) as a progress bar until it ends."
                    + " Exit status: 0 Completed, 1 Failed, 3 Stopped, 4 the server did not answer or refused.")
    static final class Watch implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Parameters(index = "0", paramLabel = "JOB", description = "The job's name or ARN.")
        String job;

        @Option(names = "--endpoint", defaultValue = "http://127.0.0.1:8080",
                description = "The server (default: ${DEFAULT-VALUE}).")
        URI endpoint;

        @Option(names = "--interval-seconds", defaultValue = "1",
                description = "Time between polls (default: ${DEFAULT-VALUE}).")
        double intervalSeconds;

        @Option(names = "--lines", description = "One line per change even on a terminal (no redrawing).")
        boolean lines;

        @Override
        public Integer call() throws InterruptedException {
            if (!(intervalSeconds > 0) || intervalSeconds > 3600) {
                throw new ParameterException(spec.commandLine(), "--interval-seconds must be above 0 and at most"
                        + " 3600");
            }
            URI uri = endpoint.resolve("/model-customization-jobs/" + pathSegment(job));
            // System.console() is null unless stdin and stdout are both a terminal: then \r redraws the line.
            boolean redraw = !lines && System.console() != null;
            PrintWriter out = spec.commandLine().getOut();
            PrintWriter err = spec.commandLine().getErr();
            HttpClient client = client();
            String lastKey = null;
            JobProgressLine.Progress lastProgress = null;
            int drawn = 0;
            while (true) {
                JsonNode reply;
                try {
                    reply = get(client, uri);
                } catch (Refused e) {
                    if (drawn > 0) {
                        out.println();
                        out.flush();
                    }
                    err.println("error: " + e.getMessage());
                    err.flush();
                    return NOT_ANSWERED;
                }
                JobProgressLine.Snapshot s = JobProgressLine.Snapshot.of(reply).orLastSeen(lastProgress);
                lastProgress = s.progress();
                String line = JobProgressLine.format(s);
                if (redraw) {
                    // A line wider than the terminal would wrap, and \r would then redraw only its last row.
                    line = JobProgressLine.fit(line, terminalColumns());
                    // Spaces over what a longer previous line left behind.
                    out.print("\r" + line + " ".repeat(Math.max(0, drawn - line.length())));
                    drawn = line.length();
                } else if (!s.changeKey().equals(lastKey)) {
                    out.println(line);
                    lastKey = s.changeKey();
                }
                out.flush();
                if (s.ended()) {
                    if (redraw) {
                        out.println();
                        out.flush();
                    }
                    return ended(s, out, err);
                }
                Thread.sleep(Math.max(1, Math.round(intervalSeconds * 1000)));
            }
        }

        /** The terminal's width when the shell exports it ({@code COLUMNS}), else 0: unknown. */
        private static int terminalColumns() {
            try {
                return Integer.parseInt(System.getenv().getOrDefault("COLUMNS", "0").trim());
            } catch (NumberFormatException e) {
                return 0;
            }
        }

        private static int ended(JobProgressLine.Snapshot s, PrintWriter out, PrintWriter err) {
            switch (s.status()) {
                case "Completed" -> {
                    if (s.outputModelArn() != null) {
                        out.println("custom model: " + s.outputModelArn());
                        out.flush();
                    }
                    return COMPLETED;
                }
                case "Stopped" -> {
                    err.println("job " + s.jobName() + " was stopped");
                    err.flush();
                    return STOPPED;
                }
                default -> {
                    err.println("error: job " + s.jobName() + " failed: " + s.failureMessage());
                    err.flush();
                    return FAILED;
                }
            }
        }
    }

    /** Every job, oldest first, as a table (ListModelCustomizationJobs, all pages). */
    @Command(name = "list", mixinStandardHelpOptions = true, description = "List the jobs, oldest first.")
    static final class ListJobs implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Option(names = "--endpoint", defaultValue = "http://127.0.0.1:8080",
                description = "The server (default: ${DEFAULT-VALUE}).")
        URI endpoint;

        @Option(names = "--status", description = "Only jobs in this state (InProgress, Completed, Failed, Stopping,"
                + " Stopped).")
        String status;

        @Override
        public Integer call() throws InterruptedException {
            HttpClient client = client();
            List<JsonNode> jobs = new ArrayList<>();
            String next = null;
            try {
                do {
                    StringBuilder query = new StringBuilder("/model-customization-jobs?maxResults=100");
                    if (status != null) {
                        query.append("&statusEquals=").append(queryValue(status));
                    }
                    if (next != null) {
                        query.append("&nextToken=").append(queryValue(next));
                    }
                    JsonNode page = get(client, endpoint.resolve(query.toString()));
                    page.path("modelCustomizationJobSummaries").forEach(jobs::add);
                    JsonNode token = page.get("nextToken");
                    next = token == null || token.isNull() || token.asText().isEmpty() ? null : token.asText();
                } while (next != null);
            } catch (Refused e) {
                spec.commandLine().getErr().println("error: " + e.getMessage());
                return NOT_ANSWERED;
            }
            PrintWriter out = spec.commandLine().getOut();
            String format = "%-32s %-10s %-24s %-24s %s%n";
            out.printf(Locale.ROOT, format, "NAME", "STATUS", "CREATED", "ENDED", "CUSTOM MODEL");
            for (JsonNode j : jobs) {
                out.printf(Locale.ROOT, format, j.path("jobName").asText(), j.path("status").asText(),
                        j.path("creationTime").asText(), j.path("endTime").asText("-"),
                        j.path("customModelArn").asText("-"));
            }
            out.flush();
            return 0;
        }
    }

    /** The server did not answer, or answered with an error: the message says which. */
    private static final class Refused extends Exception {
        Refused(String message) {
            super(message);
        }
    }

    private static HttpClient client() {
        return HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(10))
                .build();
    }

    private static JsonNode get(HttpClient client, URI uri) throws Refused, InterruptedException {
        HttpResponse<String> response;
        try {
            response = client.send(AdminRequestSigner.request("GET", uri, null).timeout(Duration.ofSeconds(30))
                    .build(), HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new Refused("cannot reach " + uri.getScheme() + "://" + uri.getAuthority() + ": " + e);
        }
        JsonNode body;
        try {
            body = JSON.readTree(response.body());
        } catch (IOException e) {
            body = null;
        }
        if (response.statusCode() != 200 || body == null || !body.isObject()) {
            String message = body != null && body.hasNonNull("message") ? body.get("message").asText()
                    : response.body();
            throw new Refused(response.statusCode() + " "
                    + response.headers().firstValue("x-amzn-ErrorType").orElse("") + ": " + message);
        }
        return body;
    }

    /** A job name or ARN as one path segment (an ARN's {@code :} and {@code /} percent-encoded, as the SDKs do). */
    static String pathSegment(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20");
    }

    private static String queryValue(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20");
    }
}
