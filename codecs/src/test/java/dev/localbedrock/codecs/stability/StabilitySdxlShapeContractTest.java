package dev.localbedrock.codecs.stability;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.localbedrock.codecs.BedrockException;
import dev.localbedrock.codecs.ImageFamilyCodec;
import dev.localbedrock.codecs.Json;
import dev.localbedrock.codecs.RequestBodyReader;
import dev.localbedrock.codecs.inference.ClipGuidancePreset;
import dev.localbedrock.codecs.inference.ImageGenerationRequest;
import dev.localbedrock.codecs.inference.ImageSampler;
import dev.localbedrock.codecs.parameters.BodyParameter;
import dev.localbedrock.codecs.parameters.ParameterKind;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.math.BigDecimal;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The SDXL codec's {@code bodyShape()} is a statement of what it accepts, as {@code BodyShapeContractTest} checks for
 * the text families: each numeric parameter is accepted at its bounds and reaches the request, and is refused a step
 * beyond them naming its range; each enumeration takes exactly its listed values; a body with only a prompt decodes
 * to the table's defaults. Width and height are checked with the other side chosen so the pair is an SDXL size.
 */
class StabilitySdxlShapeContractTest {

    private static final ImageFamilyCodec CODEC = new StabilitySdxlCodec();

    /** Where each parameter lands in the neutral request, as the wire value would read there. */
    private static final Map<String, Function<ImageGenerationRequest, Object>> EXPOSED = Map.of(
            "height", r -> (long) r.size().height(),
            "width", r -> (long) r.size().width(),
            "cfg_scale", r -> BigDecimal.valueOf(r.cfgScale()),
            "clip_guidance_preset", r -> r.clipGuidancePreset().name(),
            "sampler", r -> r.sampler() == null ? null : r.sampler().name(),
            "samples", r -> (long) r.samples(),
            "seed", ImageGenerationRequest::seed,
            "steps", r -> (long) r.steps(),
            "style_preset", ImageGenerationRequest::stylePreset);

    static Stream<BodyParameter> numericParameters() {
        return CODEC.bodyShape().parameters().stream().filter(p -> p.kind().isNumeric());
    }

    static Stream<BodyParameter> enumParameters() {
        return CODEC.bodyShape().parameters().stream().filter(p -> p.kind() == ParameterKind.STRING);
    }

    @Test
    void everyParameterIsExposedAndEveryDefaultIsTheTables() {
        ImageGenerationRequest defaults = decode(body());
        assertEquals(EXPOSED.keySet(), Set.copyOf(CODEC.bodyShape().parameters().stream()
                .map(BodyParameter::path).toList()));
        for (BodyParameter p : CODEC.bodyShape().parameters()) {
            Object expected = p.defaultValue() == null ? null
                    : p.kind() == ParameterKind.NUMBER ? BigDecimal.valueOf(p.defaultNumber())
                    : p.kind() == ParameterKind.INTEGER ? (Object) (long) p.defaultInteger() : p.defaultValue();
            assertEquals(normalise(expected), normalise(EXPOSED.get(p.path()).apply(defaults)), p.path());
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("numericParameters")
    void aNumericParameterIsAcceptedAtItsBoundsAndReachesTheRequest(BodyParameter p) {
        for (BigDecimal bound : List.of(min(p), max(p))) {
            ObjectNode body = withValue(p, bound);
            Object exposed = normalise(EXPOSED.get(p.path()).apply(decode(body)));
            assertEquals(normalise(p.kind() == ParameterKind.INTEGER ? bound.longValueExact() : bound), exposed,
                    p.path() + " at " + bound);
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("numericParameters")
    void aNumericParameterOneStepOutsideItsRangeIsRefusedByName(BodyParameter p) {
        String range = " (allowed range: " + plain(min(p)) + " to " + plain(max(p)) + ")";
        BigDecimal below = min(p).subtract(p.step());
        BigDecimal above = max(p).add(p.step());
        assertEquals(p.pointer() + ": " + plain(below) + " is not greater or equal to " + plain(min(p)) + range,
                violation(withValue(p, below)));
        assertEquals(p.pointer() + ": " + plain(above) + " is not less or equal to " + plain(max(p)) + range,
                violation(withValue(p, above)));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("enumParameters")
    void anEnumerationTakesEachListedValueAndNoOther(BodyParameter p) {
        for (String value : p.allowedValues()) {
            ObjectNode body = body();
            body.put(p.key(), value);
            assertEquals(value, EXPOSED.get(p.path()).apply(decode(body)), p.path());
        }
        String options = " (allowed values: " + String.join(", ", p.allowedValues()) + ")";
        for (String wrong : List.of("", p.allowedValues().get(0).toLowerCase(java.util.Locale.ROOT) + "x",
                " " + p.allowedValues().get(0))) {
            ObjectNode body = body();
            body.put(p.key(), wrong);
            assertEquals(p.pointer() + ": " + wrong + " is not a valid enum value" + options, violation(body));
        }
    }

    @Test
    void theEnumerationsAreTheNeutralEnumsAndStabilitysStyleList() {
        assertEquals(Stream.of(ImageSampler.values()).map(Enum::name).toList(),
                StabilitySdxlCodec.SAMPLER_PARAMETER.allowedValues());
        assertEquals(List.of("DDIM", "DDPM", "K_DPMPP_2M", "K_DPMPP_2S_ANCESTRAL", "K_DPM_2", "K_DPM_2_ANCESTRAL",
                "K_EULER", "K_EULER_ANCESTRAL", "K_HEUN", "K_LMS"), StabilitySdxlCodec.SAMPLER_PARAMETER.allowedValues());
        assertEquals(List.of("FAST_BLUE", "FAST_GREEN", "NONE", "SIMPLE", "SLOW", "SLOWER", "SLOWEST"),
                Stream.of(ClipGuidancePreset.values()).map(Enum::name).toList());
        assertEquals(17, StabilitySdxlCodec.STYLE_PRESET_PARAMETER.allowedValues().size());
        assertTrue(StabilitySdxlCodec.STYLE_PRESET_PARAMETER.allowedValues().containsAll(
                List.of("3d-model", "anime", "photographic", "tile-texture", "modeling-compound")));
    }

    @Test
    void theSeedsRangeIsNotReadAsAnInt() {
        RequestBodyReader reader = RequestBodyReader.parse("{}".getBytes(java.nio.charset.StandardCharsets.UTF_8),
                Set.of());
        assertThrows(IllegalStateException.class, () -> reader.integer(StabilitySdxlCodec.SEED_PARAMETER));
        assertEquals(0, reader.longInteger(StabilitySdxlCodec.SEED_PARAMETER));
    }

    // --- helpers ---

    private static ObjectNode body() {
        ObjectNode body = Json.MAPPER.createObjectNode();
        body.putArray("text_prompts").addObject().put("text", "a lighthouse");
        return body;
    }

    /**
     * A body with the parameter at {@code value}; for a side of the image, the other side is the one SDXL pairs
     * with it (640 with 1536, and so on), so only the side itself can be refused.
     */
    private static ObjectNode withValue(BodyParameter p, BigDecimal value) {
        ObjectNode body = body();
        if (p.kind() == ParameterKind.INTEGER) {
            body.put(p.key(), value.longValueExact());
        } else {
            body.put(p.key(), value);
        }
        if (p.path().equals("width") || p.path().equals("height")) {
            long side = value.longValueExact();
            long other = side == 640 ? 1536 : side == 1536 ? 640 : 1024;
            body.put(p.path().equals("width") ? "height" : "width", other);
        }
        return body;
    }

    private static ImageGenerationRequest decode(ObjectNode body) {
        return CODEC.decodeRequest(body.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8));
    }

    /** The one violation of a refused body. */
    private static String violation(ObjectNode body) {
        String message = assertThrows(BedrockException.class, () -> decode(body)).getMessage();
        String prefix = "Malformed input request: ";
        String suffix = ", please reformat your input and try again.";
        assertTrue(message.startsWith(prefix) && message.endsWith(suffix), message);
        return message.substring(prefix.length(), message.length() - suffix.length());
    }

    private static Object normalise(Object value) {
        if (value instanceof BigDecimal d) {
            return d.stripTrailingZeros();
        }
        if (value instanceof Integer i) {
            return (long) i;
        }
        return value;
    }

    private static BigDecimal min(BodyParameter p) {
        return BigDecimal.valueOf(p.min());
    }

    private static BigDecimal max(BodyParameter p) {
        return BigDecimal.valueOf(p.max());
    }

    private static String plain(BigDecimal value) {
        return value.stripTrailingZeros().toPlainString();
    }
}
