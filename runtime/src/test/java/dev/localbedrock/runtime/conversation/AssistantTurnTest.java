package dev.localbedrock.runtime.conversation;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.localbedrock.codecs.chat.ChatOutcome;
import dev.localbedrock.codecs.chat.ChatStopReason;
import dev.localbedrock.codecs.chat.ChatStreamEvent;
import dev.localbedrock.codecs.chat.ContentBlock;
import dev.localbedrock.codecs.chat.ToolChoice;
import dev.localbedrock.codecs.chat.ToolConfig;
import dev.localbedrock.codecs.chat.ToolSpec;
import dev.localbedrock.codecs.inference.GenerationOutcome;
import dev.localbedrock.codecs.inference.StopReason;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;

class AssistantTurnTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final List<ChatStreamEvent> events = new ArrayList<>();

    private static ToolConfig weather(ToolChoice choice) throws Exception {
        return new ToolConfig(List.of(new ToolSpec("get_weather", "Weather in a city",
                JSON.readTree("{\"type\":\"object\",\"properties\":{\"city\":{\"type\":\"string\"}},"
                        + "\"required\":[\"city\"]}"))), choice);
    }

    private ChatOutcome run(AssistantTurn turn, StopReason stop, String... deltas) {
        turn.start(7, events::add);
        StringBuilder all = new StringBuilder();
        for (String d : deltas) {
            turn.text(d, events::add);
            all.append(d);
        }
        return turn.complete(new GenerationOutcome(all.toString(), 7, deltas.length, stop), 12, events::add);
    }

    /** The concatenated deltas of block 0. */
    private String deltas() {
        StringBuilder s = new StringBuilder();
        for (ChatStreamEvent e : events) {
            if (e instanceof ChatStreamEvent.BlockDelta d) {
                s.append(d.text());
            }
        }
        return s.toString();
    }

    @Test
    void textStreamsAsItComes() {
        ChatOutcome outcome = run(new AssistantTurn(null, () -> "unused"), StopReason.END_OF_SEQUENCE, "Hel", "lo");
        assertEquals(List.of(new ChatStreamEvent.MessageStart(7), new ChatStreamEvent.BlockStart(0, null, null),
                new ChatStreamEvent.BlockDelta(0, "Hel"), new ChatStreamEvent.BlockDelta(0, "lo"),
                new ChatStreamEvent.BlockStop(0), new ChatStreamEvent.MessageStop(ChatStopReason.END_TURN, null),
                new ChatStreamEvent.Metadata(7, 2, 12, 12)), events);
        assertEquals(List.of(new ContentBlock.Text("Hello")), outcome.content());
    }

    @Test
    void aForcedCallOpensItsBlockOnceTheNameIsCompleteAndStreamsTheArguments() throws Exception {
        AssistantTurn turn = new AssistantTurn(weather(ToolChoice.ANY), () -> "tooluse_1");
        ChatOutcome outcome = run(turn, StopReason.END_OF_SEQUENCE, "{\"name\":\"get_", "weather\",\"argu",
                "ments\":{\"ci", "ty\":\"Paris\"}", "}");
        assertEquals(new ChatStreamEvent.BlockStart(0, "tooluse_1", "get_weather"), events.get(1));
        assertEquals("{\"city\":\"Paris\"}", deltas(), "the arguments exactly, without the wrapper");
        assertEquals(ChatStopReason.TOOL_USE, outcome.stopReason());
        ContentBlock.ToolUse use = assertInstanceOf(ContentBlock.ToolUse.class, outcome.content().get(0));
        assertEquals(List.of("tooluse_1", "get_weather", "{\"city\":\"Paris\"}"),
                List.of(use.toolUseId(), use.name(), use.input().toString()));
        assertEquals(new ChatStreamEvent.MessageStop(ChatStopReason.TOOL_USE, null), events.get(events.size() - 2));
    }

    @Test
    void aForcedCallCutShortEndsWithMaxTokens() throws Exception {
        ChatOutcome outcome = run(new AssistantTurn(weather(ToolChoice.ANY), () -> "t"), StopReason.MAX_TOKENS,
                "{\"name\":\"get_weather\",\"arguments\":{\"ci");
        assertEquals(ChatStopReason.MAX_TOKENS, outcome.stopReason());
        assertEquals("{\"ci", deltas());
    }

    @Test
    void autoStreamsTextAtOnceAndHoldsAPossibleCall() throws Exception {
        ChatOutcome text = run(new AssistantTurn(weather(ToolChoice.AUTO), () -> "id"), StopReason.END_OF_SEQUENCE, " ", "Sunny",
                ".");
        assertEquals(" Sunny.", deltas());
        assertEquals(ChatStopReason.END_TURN, text.stopReason());

        events.clear();
        ChatOutcome call = run(new AssistantTurn(weather(ToolChoice.AUTO), () -> "id"), StopReason.END_OF_SEQUENCE,
                "{\"name\": \"get_weather\", ", "\"parameters\": {\"city\": \"Oslo\"}}");
        assertEquals(ChatStopReason.TOOL_USE, call.stopReason(), "Llama 3.1's 'parameters' is read as arguments");
        assertEquals("{\"city\":\"Oslo\"}", deltas());

        events.clear();
        ChatOutcome notACall = run(new AssistantTurn(weather(ToolChoice.AUTO), () -> "id"), StopReason.END_OF_SEQUENCE,
                "{\"name\": \"other\"}");
        assertEquals(List.of(new ContentBlock.Text("{\"name\": \"other\"}")), notACall.content());
        assertEquals("{\"name\": \"other\"}", deltas());
    }

    @Test
    void stopReasonsMapAndAnEmptyTurnStillHasItsBlock() {
        ChatOutcome outcome = run(new AssistantTurn(null, () -> "unused"), StopReason.CONTEXT_LENGTH);
        assertEquals(ChatStopReason.MAX_TOKENS, outcome.stopReason());
        assertEquals(new ChatStreamEvent.BlockStart(0, null, null), events.get(1));
        assertEquals(ChatStopReason.STOP_SEQUENCE, AssistantTurn.stopReason(StopReason.STOP_SEQUENCE));
        assertNull(ToolCalls.parse("not json", null));
    }
}
