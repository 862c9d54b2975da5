package dev.localbedrock.runtime.http;

import dev.localbedrock.runtime.catalog.ServerSettings.ConnectionLimits;
import io.netty.handler.codec.http2.Http2CodecUtil;
import io.netty.handler.codec.http2.Http2FrameCodec;
import io.netty.handler.codec.http2.Http2FrameCodecBuilder;
import io.netty.handler.codec.http2.Http2Settings;

/**
 * The HTTP/2 codec with its abuse limits spelled out, for prior knowledge and Upgrade alike. Each limit, once
 * crossed, ends the connection with GOAWAY (ENHANCE_YOUR_CALM, or the protocol error Netty finds in a bad frame);
 * closing it closes its streams, which cancels their generations.
 */
final class Http2Limits {
    /** Rapid reset (CVE-2023-44487): RST_STREAM frames a client may send per window (Netty's server default). */
    static final int MAX_RESETS_PER_WINDOW = 200;
    static final int RESET_WINDOW_SECONDS = 30;
    /** Control frames (SETTINGS/PING acks, resets) queued for a client that does not read (Netty's default). */
    static final int MAX_QUEUED_CONTROL_FRAMES = Http2CodecUtil.DEFAULT_MAX_QUEUED_CONTROL_FRAMES;
    /** DATA frames in a row with no payload and no END_STREAM (each costs work, moves nothing). */
    static final int MAX_CONSECUTIVE_EMPTY_DATA_FRAMES = 2;
    /** CONTINUATION frames of a header block smaller than the frame-size floor (the 2024 CONTINUATION flood). */
    static final int MAX_SMALL_CONTINUATION_FRAMES = 16;

    private Http2Limits() {
    }

    static Http2FrameCodec serverCodec(ConnectionLimits limits) {
        Http2Settings settings = Http2Settings.defaultSettings()
                .maxHeaderListSize(limits.maxHeaderBytes())
                .maxConcurrentStreams(limits.maxConcurrentStreams())
                .maxFrameSize(Http2CodecUtil.DEFAULT_MAX_FRAME_SIZE);
        return Http2FrameCodecBuilder.forServer()
                .initialSettings(settings)
                .decoderEnforceMaxRstFramesPerWindow(MAX_RESETS_PER_WINDOW, RESET_WINDOW_SECONDS)
                .encoderEnforceMaxQueuedControlFrames(MAX_QUEUED_CONTROL_FRAMES)
                .decoderEnforceMaxConsecutiveEmptyDataFrames(MAX_CONSECUTIVE_EMPTY_DATA_FRAMES)
                .decoderEnforceMaxSmallContinuationFrames(MAX_SMALL_CONTINUATION_FRAMES)
                .build();
    }
}
