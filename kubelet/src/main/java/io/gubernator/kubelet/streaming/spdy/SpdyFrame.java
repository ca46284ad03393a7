package io.gubernator.kubelet.streaming.spdy;

import io.vertx.core.buffer.Buffer;
import java.util.Map;

/** The frames of SPDY/3.1 (draft-mbelshe-httpbis-spdy-00 with 3.1's flow control), decoded. */
public sealed interface SpdyFrame {

  int VERSION = 3;
  int FLAG_FIN = 0x01;
  int FLAG_UNIDIRECTIONAL = 0x02;

  int TYPE_SYN_STREAM = 1;
  int TYPE_SYN_REPLY = 2;
  int TYPE_RST_STREAM = 3;
  int TYPE_SETTINGS = 4;
  int TYPE_PING = 6;
  int TYPE_GOAWAY = 7;
  int TYPE_HEADERS = 8;
  int TYPE_WINDOW_UPDATE = 9;

  /** RST_STREAM status codes used here. */
  int RST_PROTOCOL_ERROR = 1;
  int RST_CANCEL = 5;

  /** SETTINGS id of the initial per-stream window. */
  int SETTINGS_INITIAL_WINDOW_SIZE = 7;

  record Data(int streamId, int flags, Buffer payload) implements SpdyFrame {
    public boolean fin() {
      return (flags & FLAG_FIN) != 0;
    }
  }

  record SynStream(int streamId, int associatedTo, int priority, int flags, Map<String, String> headers) implements SpdyFrame {}

  record SynReply(int streamId, int flags, Map<String, String> headers) implements SpdyFrame {}

  record RstStream(int streamId, int status) implements SpdyFrame {}

  /** Settings by id; the per-entry flags (persist/persisted) are of no use to a short-lived session. */
  record Settings(int flags, Map<Integer, Integer> values) implements SpdyFrame {}

  record Ping(int id) implements SpdyFrame {}

  record GoAway(int lastGoodStreamId, int status) implements SpdyFrame {}

  record Headers(int streamId, int flags, Map<String, String> headers) implements SpdyFrame {}

  record WindowUpdate(int streamId, int delta) implements SpdyFrame {}

  /** A control frame of a type this client does not know: skipped, as the spec asks. */
  record Unknown(int type, int flags, int length) implements SpdyFrame {}
}
