package dev.localbedrock.runtime.chat;

import com.hubspot.jinjava.Jinjava;
import com.hubspot.jinjava.JinjavaConfig;
import com.hubspot.jinjava.LegacyOverrides;
import com.hubspot.jinjava.el.JinjavaInterpreterResolver;
import com.hubspot.jinjava.interpret.Context;
import com.hubspot.jinjava.interpret.JinjavaInterpreter;
import com.hubspot.jinjava.interpret.TemplateError;
import com.hubspot.jinjava.lib.exptest.ExpTest;
import com.hubspot.jinjava.lib.filter.Filter;
import com.hubspot.jinjava.lib.fn.ELFunctionDefinition;
import com.hubspot.jinjava.tree.Node;
import jinjava.javax.el.CompositeELResolver;

import java.time.Clock;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Jinjava set up to render chat templates as transformers' {@code apply_chat_template} renders them with jinja2:
 * {@code ImmutableSandboxedEnvironment(trim_blocks=True, lstrip_blocks=True, extensions=[loopcontrols])}, the
 * {@code raise_exception} and {@code strftime_now} globals and the json.dumps {@code tojson} filter. Where Jinjava
 * differs from jinja2 it is bridged here: Python {@code str} methods ({@link PythonStringMethods}), Python's
 * whitespace in {@code trim}, strings being {@code iterable}, jinja2's whitespace control on expressions and its operator precedence
 * ({@link LegacyOverrides}), iterating a mapping yields its keys, and {@code not}'s precedence
 * ({@link JinjaSource}); and a value is never rendered again as a template. One environment serves every template;
 * each render gets its own interpreter and its own root context, so renders on several threads share no mutable
 * state.
 */
final class JinjaEnvironment {
    static final JinjaEnvironment INSTANCE = new JinjaEnvironment();

    /** The clock {@code strftime_now} reads during a render on this thread. */
    private static final ThreadLocal<Clock> CLOCK = new ThreadLocal<>();

    private final Jinjava jinjava;
    private final JinjavaConfig config;

    private JinjaEnvironment() {
        CompositeELResolver resolver = new CompositeELResolver();
        resolver.add(new PythonStringMethods());
        // read-only: like ImmutableSandboxedEnvironment, a template cannot change the messages it is given
        resolver.add(JinjavaInterpreterResolver.DEFAULT_RESOLVER_READ_ONLY);
        config = JinjavaConfig.newBuilder()
                .withTrimBlocks(true)
                .withLstripBlocks(true)
                .withElResolver(resolver)
                .withFailOnUnknownTokens(false)
                // jinja2 prints a value as data; Jinjava by default renders a value holding {{ or {% again as a
                // template, so a user's (or a sampled) "{{ 7*7 }}" would run as code, or fail the render
                .withNestedInterpretationEnabled(false)
                .withLegacyOverrides(LegacyOverrides.newBuilder()
                        .withUseNaturalOperatorPrecedence(true)
                        .withParseWhitespaceControlStrictly(true)
                        .withUseTrimmingForNotesAndExpressions(true)
                        .withIterateOverMapKeys(true)
                        .withEvaluateMapKeys(true)
                        .withKeepNullableLoopValues(true)
                        .withUsePyishObjectMapper(true)
                        .build())
                .withMaxOutputSize(16L << 20)
                .build();
        jinjava = new Jinjava(config);
        jinjava.registerFunction(new ELFunctionDefinition("", "raise_exception", JinjaEnvironment.class,
                "raiseException", String.class));
        jinjava.registerFunction(new ELFunctionDefinition("", "strftime_now", JinjaEnvironment.class,
                "strftimeNow", String.class));
        jinjava.registerFilter(new ToJsonFilter());
        jinjava.registerFilter(new TrimFilter());
        jinjava.registerExpTest(new IterableTest());
    }

    /** Compiles a template (after {@link JinjaSource#rewrite}); the tree is rendered many times. */
    Node compile(String template) {
        JinjavaInterpreter interpreter = new JinjavaInterpreter(jinjava, renderRoot(), config);
        Node root = interpreter.parse(JinjaSource.rewrite(template));
        failOnErrors(interpreter.getErrorsCopy(), "compiling the chat template");
        return root;
    }

    String render(Node root, Map<String, Object> variables, Clock clock) {
        JinjavaInterpreter interpreter = new JinjavaInterpreter(jinjava, new Context(renderRoot(), variables),
                config);
        CLOCK.set(clock);
        JinjavaInterpreter.pushCurrent(interpreter);
        try {
            String output = interpreter.render(root, false);
            failOnErrors(interpreter.getErrorsCopy(), "rendering the chat template");
            return output;
        } catch (TemplateRaised e) {
            throw new ChatTemplateException(e.getMessage(), true, e);
        } finally {
            JinjavaInterpreter.popCurrent();
            CLOCK.remove();
        }
    }

    /**
     * A root context of this render's own: a copy of the global one (its tags, filters, functions and tests), as
     * Jinjava's own {@code renderForResult} makes for each render. Not the global context itself: a Jinjava
     * {@code Context} shares its parent's sets of loop variables (a {@code for} tag adds and removes its own) and
     * pushes each expression and value it resolves up into its parents' sets, all plain HashSets, so renders on
     * several threads under one parent raced on them; a {@code for} tag's clean-up then threw
     * ConcurrentModificationException, which Jinjava reports as "Error rendering tag".
     */
    private Context renderRoot() {
        return jinjava.getGlobalContextCopy();
    }

    /** The context each render's root is copied from; a render must leave it as it was (tests check that). */
    Context globalContext() {
        return jinjava.getGlobalContext();
    }

    /** Jinjava records most failures as errors and renders on; jinja2 would have raised, so this raises. */
    private static void failOnErrors(List<TemplateError> errors, String doing) {
        List<String> fatal = new ArrayList<>();
        for (TemplateError error : errors) {
            TemplateRaised raised = raised(error.getException());
            if (raised != null) {
                throw new ChatTemplateException(raised.getMessage(), true, raised);
            }
            if (error.getSeverity() == TemplateError.ErrorType.FATAL) {
                fatal.add(error.getMessage() + (error.getLineno() > 0 ? " (line " + error.getLineno() + ")" : ""));
            }
        }
        if (!fatal.isEmpty()) {
            throw new ChatTemplateException("error " + doing + ": " + String.join("; ", fatal), false, null);
        }
    }

    private static TemplateRaised raised(Throwable t) {
        for (Throwable c = t; c != null; c = c.getCause()) {
            if (c instanceof TemplateRaised r) {
                return r;
            }
            if (c.getCause() == c) {
                break;
            }
        }
        return null;
    }

    /** What a template's {@code raise_exception(message)} throws. */
    static final class TemplateRaised extends RuntimeException {
        TemplateRaised(String message) {
            super(message, null, false, false);
        }
    }

    /** {@code raise_exception(message)}: the template refuses the conversation. */
    public static String raiseException(String message) {
        throw new TemplateRaised(message);
    }

    /** {@code strftime_now(format)}: now, in the renderer's clock and zone, formatted as Python's strftime. */
    public static String strftimeNow(String format) {
        Clock clock = CLOCK.get();
        return Strftime.format(ZonedDateTime.now(clock == null ? Clock.systemDefaultZone() : clock), format);
    }

    /**
     * jinja2's {@code is iterable}: true for strings too (Python iterates their characters), which Llama 3.1's
     * template relies on to {@code tojson} a tool result's text; Jinjava's says false for strings.
     */
    private static final class IterableTest implements ExpTest {
        @Override
        public String getName() {
            return "iterable";
        }

        @Override
        public boolean evaluate(Object var, JinjavaInterpreter interpreter, Object... args) {
            return var instanceof CharSequence || var instanceof Iterable<?> || var instanceof Map<?, ?>
                    || var != null && var.getClass().isArray();
        }
    }

    /** jinja2's {@code trim}: Python's {@code str.strip(chars)}, which knows more whitespace than Jinjava's. */
    private static final class TrimFilter implements Filter {
        @Override
        public String getName() {
            return "trim";
        }

        @Override
        public Object filter(Object var, JinjavaInterpreter interpreter, String... args) {
            if (var == null) {
                return "";
            }
            return PythonText.strip(var.toString(), args.length > 0 ? args[0] : null, true, true);
        }
    }

    /** transformers' {@code tojson(x, ensure_ascii=False, indent=None, separators=None, sort_keys=False)}. */
    private static final class ToJsonFilter implements Filter {
        @Override
        public String getName() {
            return "tojson";
        }

        @Override
        public Object filter(Object var, JinjavaInterpreter interpreter, String... args) {
            return PythonJson.dumps(var, PythonJson.Options.DEFAULT);
        }

        @Override
        public Object filter(Object var, JinjavaInterpreter interpreter, Object[] args, Map<String, Object> kwargs) {
            Object indent = kwargs.containsKey("indent") ? kwargs.get("indent") : args.length > 0 ? args[0] : null;
            String indentText = indent == null ? null
                    : indent instanceof Number n ? " ".repeat(n.intValue()) : indent.toString();
            Object separators = kwargs.get("separators");
            List<String> seps = null;
            if (separators instanceof List<?> list) {
                seps = list.stream().map(String::valueOf).toList();
            }
            return PythonJson.dumps(var, PythonJson.Options.of(Boolean.TRUE.equals(kwargs.get("ensure_ascii")),
                    indentText, seps, Boolean.TRUE.equals(kwargs.get("sort_keys"))));
        }
    }
}
