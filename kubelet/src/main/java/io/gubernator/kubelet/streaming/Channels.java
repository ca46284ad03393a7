package io.gubernator.kubelet.streaming;

import io.vertx.core.buffer.Buffer;

/**
 * The framing of Kubernetes' channel protocols ({@code v4.channel.k8s.io}, {@code v5...}) on
 * WebSocket binary messages: a message's first byte is its channel, the rest that channel's
 * bytes. Messages arrive here in pieces (fragments and socket reads do not follow message
 * boundaries), so the channel of the message under way is remembered between pieces.
 */
final class Channels {

  static final int STDIN = 0;
  static final int STDOUT = 1;
  static final int STDERR = 2;
  static final int ERROR = 3;
  static final int RESIZE = 4;
  /** v5 only: a message {@code [255, n...]} half-closes channels n (client-go sends it for stdin's EOF). */
  static final int CLOSE = 255;
  private static final int NONE = -1;

  /** Where a client's messages go. */
  interface Sink {
    void data(int channel, Buffer payload);

    /** The client is done writing {@code channel} (v5's CLOSE). */
    void close(int channel);
  }

  private final boolean v5;
  private int channel = NONE;

  Channels(boolean v5) {
    this.v5 = v5;
  }

  /** A piece of a client message, {@code first} when it starts one. */
  void read(Buffer piece, boolean first, Sink sink) {
    int from = 0;
    if (first) channel = NONE;
    if (channel == NONE) {
      if (piece.length() == 0) return;
      channel = piece.getUnsignedByte(0);
      from = 1;
    }
    if (from == piece.length()) return;
    Buffer payload = from == 0 ? piece : piece.getBuffer(from, piece.length());
    if (channel == CLOSE && v5) {
      for (int i = 0; i < payload.length(); i++) sink.close(payload.getUnsignedByte(i));
    } else {
      sink.data(channel, payload);
    }
  }

  /** A server message: {@code data} on {@code channel}. */
  static Buffer message(int channel, Buffer data) {
    return Buffer.buffer(data.length() + 1).appendByte((byte) channel).appendBuffer(data);
  }
}
