package dev.localbedrock.benchmarks;

import dev.localbedrock.runtime.iam.Authorizer;
import dev.localbedrock.runtime.iam.Decision;
import dev.localbedrock.runtime.iam.DecisionCache;
import dev.localbedrock.runtime.iam.IamActions;
import dev.localbedrock.runtime.iam.PolicyDocument;
import dev.localbedrock.runtime.iam.Principal;
import dev.localbedrock.runtime.iam.RequestContext;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * Policy evaluation per request, as the request path will run it: the operation mapped to its action and
 * resource, then the decision for a realistic five-statement policy (allow a model family, deny one model, a
 * source-IP condition, tag conditions, a NotAction guard). {@code cacheHit}: the same principal, epoch and
 * relevant keys as a request before it. {@code cacheMiss}: full evaluation every time (no cache).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class IamPolicyBenchmark {
    static final String POLICY = """
            {"Version":"2012-10-17","Statement":[
             {"Sid":"AllowAnthropicAndMeta","Effect":"Allow",
              "Action":["bedrock:InvokeModel","bedrock:InvokeModelWithResponseStream"],
              "Resource":["arn:aws:bedrock:*::foundation-model/anthropic.*","arn:aws:bedrock:*::foundation-model/meta.*"],
              "Condition":{"IpAddress":{"aws:SourceIp":["10.0.0.0/8","192.168.0.0/16"]},
                           "Bool":{"aws:SecureTransport":"true"}}},
             {"Sid":"DenyOneModel","Effect":"Deny","Action":"bedrock:InvokeModel*",
              "Resource":"arn:aws:bedrock:*::foundation-model/meta.llama2-70b-chat-v1"},
             {"Sid":"ReadCatalogue","Effect":"Allow","Action":["bedrock:List*","bedrock:Get*"],"Resource":"*"},
             {"Sid":"TeamProvisioned","Effect":"Allow","Action":"bedrock:*ProvisionedModelThroughput",
              "Resource":"arn:aws:bedrock:*:000000000000:provisioned-model/*",
              "Condition":{"StringEquals":{"aws:ResourceTag/team":"${aws:username}"}}},
             {"Sid":"NothingElse","Effect":"Deny","NotAction":"bedrock:*","Resource":"*"}]}""";

    private final Principal principal = new Principal("arn:aws:iam::000000000000:user/alice");
    private final IamActions actions = new IamActions("us-east-1", "000000000000", name -> null);
    private final Authorizer authorizer = new Authorizer();
    private final Map<String, String> path = Map.of("modelId", "anthropic.claude-v2");
    private List<PolicyDocument> policies;
    private DecisionCache cache;
    private RequestContext context;

    @Setup
    public void setUp() throws Exception {
        policies = List.of(PolicyDocument.parse("arn:aws:iam::000000000000:policy/Team", POLICY));
        cache = new DecisionCache(authorizer, 10_000);
        context = RequestContext.builder().sourceIp("10.1.2.3").secureTransport(true).build();
        if (!cacheHit().allowed() || !cacheMiss().allowed()) {
            throw new IllegalStateException("the benchmark request must be allowed");
        }
    }

    @Benchmark
    public Decision cacheHit() {
        IamActions.Target target = actions.target("bedrock-runtime", "InvokeModel", path).orElseThrow();
        return cache.authorize(principal, 7, policies, target.action(), target.resourceArn(), context);
    }

    @Benchmark
    public Decision cacheMiss() {
        IamActions.Target target = actions.target("bedrock-runtime", "InvokeModel", path).orElseThrow();
        return authorizer.authorize(principal, policies, target.action(), target.resourceArn(), context);
    }
}
