package dev.localbedrock.runtime.http;

import io.netty.channel.ChannelHandlerContext;

import java.util.Map;

/**
 * This server's own gated endpoints ({@code /local-bedrock/...}), one registration each: model access, the console's
 * body tables and a job's metrics files. Runs on the decode thread the gate ran on.
 */
final class LocalApi {
    @FunctionalInterface
    private interface Action {
        void run(RuntimeApi api, ChannelHandlerContext ctx, ResolvedOperation call, byte[] body, CallRecord record,
                 boolean keepAlive);
    }

    private static final Map<Operation, Action> ACTIONS = Map.of(
            Operation.LIST_MODEL_ACCESS, LocalApi::modelAccess,
            Operation.PUT_MODEL_ACCESS, LocalApi::modelAccess,
            Operation.GET_BODY_SHAPE, (api, ctx, call, body, record, keep) ->
                    BodyShapeApi.handle(ctx, api.resolve(call.pathParameter("modelId")), record, keep),
            Operation.GET_JOB_METRICS, (api, ctx, call, body, record, keep) ->
                    JobMetricsApi.handle(ctx, api.customization(), call.pathParameter("jobIdentifier"), record, keep));

    private LocalApi() {
    }

    static void handle(RuntimeApi api, ChannelHandlerContext ctx, ResolvedOperation call, byte[] body,
                       CallRecord record, boolean keepAlive) {
        Action action = ACTIONS.get(call.operation());
        if (action == null) {
            throw new IllegalStateException("no local handler for " + call.operation());
        }
        action.run(api, ctx, call, body, record, keepAlive);
    }

    private static void modelAccess(RuntimeApi api, ChannelHandlerContext ctx, ResolvedOperation call, byte[] body,
                                    CallRecord record, boolean keepAlive) {
        new AdminApi(api.modelAccess()).handle(ctx, call, body, record, keepAlive);
    }
}
