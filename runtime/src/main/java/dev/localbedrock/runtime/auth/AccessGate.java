package dev.localbedrock.runtime.auth;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.localbedrock.codecs.BedrockErrorType;
import dev.localbedrock.codecs.BedrockException;
import dev.localbedrock.runtime.iam.Decision;
import dev.localbedrock.runtime.iam.DecisionCache;
import dev.localbedrock.runtime.iam.IamActions;
import dev.localbedrock.runtime.iam.PolicyDocument;
import dev.localbedrock.runtime.iam.Principal;
import dev.localbedrock.runtime.iam.RequestContext;

import java.io.IOException;
import java.time.Clock;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;

/**
 * The one check every API call passes before it runs (health checks and scrapes excepted): who is calling, and may
 * they. In {@code sigv4} mode the signature is verified ({@link SigV4Verifier}) and the principal's identity policies
 * must allow the operation's IAM action on its resource ({@link IamActions}, {@link DecisionCache}); any failure is
 * the AWS error for it, and the operation does not run. In {@code open} mode the caller is only named after the key
 * it claims ({@link OpenModeCaller}) and everything is allowed.
 *
 * <p>Runs on a decode thread: verifying hashes the whole body, and the condition keys may read the durable state
 * (a provisioned model's tags).
 */
public final class AccessGate {
    /** Every Bedrock SDK signs both services with this signing name (the service models' {@code signingName}). */
    public static final String SIGNING_NAME = "bedrock";
    /** STS signs with its own name. */
    static final String STS = "sts";
    private static final ObjectMapper JSON = new ObjectMapper();

    /** What the gate knows of one call. */
    public record Call(SignedRequest signed, String service, String operation, Map<String, String> pathParameters,
                       String sourceIp, boolean secureTransport) {
    }

    /** Who was let through, and the policy statement that let them (null in open mode). */
    public record Admitted(VerifiedCaller caller, String reason) {
    }

    private final SigV4Verifier verifier; // null in open mode
    private final OpenModeCaller open;
    private final PrincipalDirectory directory;
    private final IamActions actions;
    private final DecisionCache decisions;
    private final Function<String, Map<String, String>> resourceTags;
    private final Clock clock;

    private AccessGate(SigV4Verifier verifier, OpenModeCaller open, PrincipalDirectory directory, IamActions actions,
                       DecisionCache decisions, Function<String, Map<String, String>> resourceTags, Clock clock) {
        this.verifier = verifier;
        this.open = open;
        this.directory = directory;
        this.actions = actions;
        this.decisions = decisions;
        this.resourceTags = resourceTags;
        this.clock = clock;
    }

    /** {@code auth: open}: nothing verified, everything allowed, callers named by the key they claim. */
    public static AccessGate open(String account) {
        return new AccessGate(null, new OpenModeCaller(account), null, null, null, arn -> Map.of(),
                Clock.systemUTC());
    }

    /**
     * {@code auth: sigv4}.
     *
     * @param resourceTags a resource ARN's tags ({@code aws:ResourceTag/…}); empty for untagged or unknown ones
     */
    public static AccessGate sigv4(String account, PrincipalDirectory directory, IamActions actions,
                                   Function<String, Map<String, String>> resourceTags, Clock clock) {
        return new AccessGate(new SigV4Verifier(directory, clock), new OpenModeCaller(account), directory, actions,
                new DecisionCache(new dev.localbedrock.runtime.iam.Authorizer(), 10_000), resourceTags, clock);
    }

    public boolean enforcing() {
        return verifier != null;
    }

    /**
     * Lets the call through or throws the AWS error that stops it.
     *
     * @throws BedrockException UnrecognizedClient, InvalidSignature, IncompleteSignature, MissingAuthenticationToken,
     *     ExpiredToken (all 403), AccessDenied (403), or ValidationException for a body whose target is unreadable
     */
    public Admitted admit(Call call) {
        return admit(call, caller -> { });
    }

    /**
     * As {@link #admit(Call)}, telling {@code authenticated} who is calling as soon as the signature checked out, so
     * a call the policies then deny is still recorded under its caller (as CloudTrail records an AccessDenied).
     */
    public Admitted admit(Call call, java.util.function.Consumer<VerifiedCaller> authenticated) {
        if (verifier == null) {
            VerifiedCaller caller = open.identify(call.signed());
            authenticated.accept(caller);
            return new Admitted(caller, null);
        }
        VerifiedCaller caller = verifier.verify(call.signed());
        authenticated.accept(caller);
        String signingName = STS.equals(call.service()) ? STS : SIGNING_NAME;
        if (!signingName.equals(caller.service()) && !IamActions.LOCAL.equals(call.service())) {
            throw new BedrockException(BedrockErrorType.INVALID_SIGNATURE,
                    "Credential should be scoped to correct service: '" + signingName + "'. ");
        }
        Map<String, String> parameters = new HashMap<>(call.pathParameters());
        RequestContext.Builder context = RequestContext.builder()
                .sourceIp(call.sourceIp())
                .secureTransport(call.secureTransport())
                .currentTime(clock.instant());
        readBody(call, parameters, context);
        Optional<IamActions.Target> target;
        try {
            target = actions.target(call.service(), call.operation(), parameters);
        } catch (IamActions.UnmappedOperationException e) {
            throw BedrockException.validation(e.getMessage());
        }
        if (target.isEmpty()) {
            return new Admitted(caller, "no action to authorize");
        }
        String resource = target.get().resourceArn();
        if (!resource.equals("*")) {
            resourceTags.apply(resource).forEach(context::resourceTag);
        }
        // The epoch first: the policies read after it are never older than the epoch they are cached under.
        long epoch = directory.generation();
        List<PolicyDocument> policies = directory.policiesOf(caller.principalArn());
        Decision decision = decisions.authorize(new Principal(caller.principalArn()), epoch, policies,
                target.get().action(), resource, context.build());
        if (!decision.allowed()) {
            throw new BedrockException(BedrockErrorType.ACCESS_DENIED, decision.message());
        }
        return new Admitted(caller, decision.reason());
    }

    /**
     * The condition keys and the target a control-plane body carries: the tags a call sets ({@code aws:RequestTag},
     * {@code aws:TagKeys}) and, for the tagging operations, the resource ARN. An unreadable body adds nothing: the
     * operation refuses it with its own ValidationException.
     */
    private static void readBody(Call call, Map<String, String> parameters, RequestContext.Builder context) {
        if (!IamActions.BEDROCK.equals(call.service()) || call.signed().body().length == 0) {
            return;
        }
        String op = call.operation();
        boolean tagging = op.equals("TagResource") || op.equals("UntagResource") || op.equals("ListTagsForResource");
        if (!tagging && !op.equals("CreateProvisionedModelThroughput")) {
            return;
        }
        JsonNode body;
        try {
            body = JSON.readTree(call.signed().body());
        } catch (IOException e) {
            return;
        }
        if (body == null || !body.isObject()) {
            return;
        }
        if (tagging && body.path("resourceARN").isTextual()) {
            parameters.put("resourceARN", body.get("resourceARN").asText());
        }
        for (JsonNode tag : body.path("tags")) {
            if (tag.path("key").isTextual()) {
                context.requestTag(tag.get("key").asText(), tag.path("value").asText(""));
            }
        }
        for (JsonNode key : body.path("tagKeys")) {
            if (key.isTextual()) {
                context.tagKey(key.asText());
            }
        }
    }
}
