package dev.localbedrock.runtime.http;

import dev.localbedrock.codecs.BedrockException;
import dev.localbedrock.runtime.auth.IssuedCredentials;
import dev.localbedrock.runtime.auth.SessionTokens;
import dev.localbedrock.runtime.auth.VerifiedCaller;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.QueryStringDecoder;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;

/**
 * STS's GetSessionToken, so an SDK's own STS client can turn a long-term key into temporary credentials: the awsQuery
 * protocol (a form-encoded POST to {@code /}, an XML answer), signed with the signing name {@code sts}. The
 * credentials act as the caller's principal, with its policies. Errors are STS's XML errors with STS's codes
 * ({@code InvalidClientTokenId}, {@code SignatureDoesNotMatch}, {@code ExpiredToken}, {@code AccessDenied},
 * {@code ValidationError}): the STS clients read nothing else.
 */
final class StsApi {
    static final String NAMESPACE = "https://sts.amazonaws.com/doc/2011-06-15/";

    private final SessionTokens tokens;

    StsApi(SessionTokens tokens) {
        this.tokens = tokens;
    }

    void handle(ChannelHandlerContext ctx, byte[] body, VerifiedCaller caller, CallRecord record, boolean keepAlive) {
        Map<String, List<String>> form = new QueryStringDecoder(new String(body, StandardCharsets.UTF_8), false)
                .parameters();
        String action = first(form, "Action");
        if (!"GetSessionToken".equals(action)) {
            sendError(ctx, record, HttpResponseStatus.BAD_REQUEST, "InvalidAction",
                    "Could not find operation " + action + " for version " + first(form, "Version"), keepAlive);
            return;
        }
        if (tokens == null || caller.anonymous()) {
            sendError(ctx, record, HttpResponseStatus.FORBIDDEN, "AccessDenied", "GetSessionToken issues"
                    + " credentials only with server.auth: sigv4; in open mode any credentials are accepted.",
                    keepAlive);
            return;
        }
        if (caller.temporary()) {
            sendError(ctx, record, HttpResponseStatus.FORBIDDEN, "AccessDenied",
                    "Cannot call GetSessionToken with session credentials", keepAlive);
            return;
        }
        Duration duration = null;
        String seconds = first(form, "DurationSeconds");
        if (seconds != null) {
            try {
                duration = Duration.ofSeconds(Long.parseLong(seconds));
            } catch (NumberFormatException e) {
                sendError(ctx, record, HttpResponseStatus.BAD_REQUEST, "ValidationError",
                        "Value '" + seconds + "' at 'durationSeconds' is not an integer", keepAlive);
                return;
            }
        }
        IssuedCredentials issued;
        try {
            issued = tokens.issue(caller.principalArn(), duration);
        } catch (IllegalArgumentException e) {
            sendError(ctx, record, HttpResponseStatus.BAD_REQUEST, "ValidationError", e.getMessage(), keepAlive);
            return;
        }
        String xml = "<GetSessionTokenResponse xmlns=\"" + NAMESPACE + "\">"
                + "<GetSessionTokenResult><Credentials>"
                + "<AccessKeyId>" + issued.accessKeyId() + "</AccessKeyId>"
                + "<SecretAccessKey>" + escape(issued.secretAccessKey()) + "</SecretAccessKey>"
                + "<SessionToken>" + escape(issued.sessionToken()) + "</SessionToken>"
                + "<Expiration>" + DateTimeFormatter.ISO_INSTANT.format(issued.expiresAt().truncatedTo(
                        ChronoUnit.SECONDS)) + "</Expiration>"
                + "</Credentials></GetSessionTokenResult>"
                + "<ResponseMetadata><RequestId>" + record.requestId() + "</RequestId></ResponseMetadata>"
                + "</GetSessionTokenResponse>";
        AwsResponses.sendXml(ctx, record, HttpResponseStatus.OK, xml.getBytes(StandardCharsets.UTF_8), null, null,
                keepAlive);
    }

    /** A refusal before the operation ran (a bad signature, …), in STS's XML with STS's code for it. */
    static void sendError(ChannelHandlerContext ctx, CallRecord record, BedrockException e, boolean keepAlive) {
        String code = switch (e.type()) {
            case UNRECOGNIZED_CLIENT -> "InvalidClientTokenId";
            case INVALID_SIGNATURE -> "SignatureDoesNotMatch"; // STS's one code for a mismatch and a stale date
            case EXPIRED_TOKEN -> "ExpiredToken";
            case MISSING_AUTHENTICATION_TOKEN -> "MissingAuthenticationToken";
            case INCOMPLETE_SIGNATURE -> "IncompleteSignature";
            case ACCESS_DENIED -> "AccessDenied";
            case VALIDATION -> "ValidationError";
            case THROTTLING -> "Throttling";
            default -> e.type().shapeName();
        };
        sendError(ctx, record, HttpResponseStatus.valueOf(e.type().httpStatus()), code, e.getMessage(), keepAlive);
    }

    private static void sendError(ChannelHandlerContext ctx, CallRecord record, HttpResponseStatus status,
                                  String code, String message, boolean keepAlive) {
        String type = status.code() >= 500 ? "Receiver" : "Sender";
        String xml = "<ErrorResponse xmlns=\"" + NAMESPACE + "\"><Error><Type>" + type + "</Type>"
                + "<Code>" + code + "</Code><Message>" + escape(message) + "</Message></Error>"
                + "<RequestId>" + record.requestId() + "</RequestId></ErrorResponse>";
        AwsResponses.sendXml(ctx, record, status, xml.getBytes(StandardCharsets.UTF_8), code, message, keepAlive);
    }

    private static String first(Map<String, List<String>> form, String name) {
        List<String> values = form.get(name);
        return values == null || values.isEmpty() ? null : values.get(0);
    }

    private static String escape(String text) {
        return text == null ? "" : text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
                .replace("\"", "&quot;");
    }
}
