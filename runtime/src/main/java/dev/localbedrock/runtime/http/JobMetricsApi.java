package dev.localbedrock.runtime.http;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.localbedrock.codecs.BedrockException;
import dev.localbedrock.codecs.Json;
import dev.localbedrock.runtime.customization.JobMetrics;
import dev.localbedrock.runtime.customization.ModelCustomizationService;
import dev.localbedrock.runtime.customization.TrainingMetricsFiles;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.FullHttpResponse;

import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * {@code GET /local-bedrock/model-customization-jobs/{jobIdentifier}/metrics}: a job's metrics files as they are in
 * its output location — {@code {"jobArn", "folder", "files": [uri…], "steps": [{"step", "epoch", "loss"}…],
 * "validation": [...]}} — so a browser (the console's loss curve) needs no S3 access of its own. Reads the store:
 * runs on a decode thread.
 */
final class JobMetricsApi {
    private JobMetricsApi() {
    }

    static void handle(ChannelHandlerContext ctx, ModelCustomizationService service, String identifier,
                       CallRecord record, boolean keepAlive) {
        if (service == null) {
            throw BedrockException.notFound("This server runs no model customization.");
        }
        String jobArn = service.get(identifier).jobArn();
        JobMetrics metrics = service.metrics(jobArn);
        ObjectNode answer = Json.MAPPER.createObjectNode();
        answer.put("jobArn", jobArn);
        answer.put("folder", metrics.folder());
        ArrayNode files = answer.putArray("files");
        metrics.files().forEach(files::add);
        rows(answer.putArray("steps"), metrics.steps());
        rows(answer.putArray("validation"), metrics.validation());
        byte[] bytes = answer.toString().getBytes(StandardCharsets.UTF_8);
        FullHttpResponse response = AwsResponses.json(record.requestId(), bytes);
        ctx.executor().execute(() -> AwsResponses.send(ctx, record, response, keepAlive));
    }

    private static void rows(ArrayNode out, List<TrainingMetricsFiles.Row> rows) {
        for (TrainingMetricsFiles.Row r : rows) {
            out.addObject().put("step", r.step()).put("epoch", r.epoch()).put("loss", r.loss());
        }
    }
}
