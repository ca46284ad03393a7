package io.gubernator.kubelet.streaming;

import io.vertx.core.buffer.Buffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

/**
 * The server side of RFC 6455 framing: client frames (always masked) decoded as they arrive in
 * pieces, server frames (never masked) encoded. Fragments are passed on as they come rather than
 * reassembled: gorilla/websocket, kubectl's library, splits every message larger than its 4 KiB
 * write buffer, and the relays here want bytes, not whole messages.
 */
final class WebSocketFrames {

  static final int OP_CONTINUATION = 0;
  static final int OP_TEXT = 1;
  static final int OP_BINARY = 2;
  static final int OP_CLOSE = 8;
  static final int OP_PING = 9;
  static final int OP_PONG = 10;

  static final int CLOSE_NORMAL = 1000;
  static final int CLOSE_PROTOCOL_ERROR = 1002;
  static final int CLOSE_UNSUPPORTED = 1003;
  static final int CLOSE_TOO_BIG = 1009;

  /** A client's frame beyond this is refused: nothing kubectl sends comes close. */
  static final int MAX_FRAME_PAYLOAD = 16 * 1024 * 1024;

  private static final String ACCEPT_GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";

  /** One decoded frame; {@code payload} is unmasked. */
  record Frame(boolean fin, int opcode, Buffer payload) {}

  private Buffer pending = Buffer.buffer();

  private WebSocketFrames() {}

  static WebSocketFrames decoder() {
    return new WebSocketFrames();
  }

  /** The frames that {@code more}, after what came before, completes. */
  List<Frame> decode(Buffer more) {
    pending = pending.length() == 0 ? more : pending.appendBuffer(more);
    List<Frame> frames = new ArrayList<>();
    int pos = 0;
    while (true) {
      int available = pending.length() - pos;
      if (available < 2) break;
      int b0 = pending.getUnsignedByte(pos);
      int b1 = pending.getUnsignedByte(pos + 1);
      if ((b0 & 0x70) != 0) throw new WebSocketException(CLOSE_PROTOCOL_ERROR, "reserved bits set without an extension");
      if ((b1 & 0x80) == 0) throw new WebSocketException(CLOSE_PROTOCOL_ERROR, "client frame not masked");
      int opcode = b0 & 0x0f;
      long length = b1 & 0x7f;
      int header = 2;
      if (length == 126) {
        if (available < 4) break;
        length = pending.getUnsignedShort(pos + 2);
        header = 4;
      } else if (length == 127) {
        if (available < 10) break;
        length = pending.getLong(pos + 2);
        header = 10;
      }
      if (length < 0 || length > MAX_FRAME_PAYLOAD) throw new WebSocketException(CLOSE_TOO_BIG, "frame too large: " + length);
      if (opcode >= 8 && (length > 125 || (b0 & 0x80) == 0)) {
        throw new WebSocketException(CLOSE_PROTOCOL_ERROR, "bad control frame");
      }
      if (available < header + 4 + length) break;
      byte[] mask = pending.getBytes(pos + header, pos + header + 4);
      int start = pos + header + 4;
      byte[] payload = pending.getBytes(start, start + (int) length);
      for (int i = 0; i < payload.length; i++) payload[i] ^= mask[i & 3];
      frames.add(new Frame((b0 & 0x80) != 0, opcode, Buffer.buffer(payload)));
      pos = start + (int) length;
    }
    pending = pos == pending.length() ? Buffer.buffer() : pending.getBuffer(pos, pending.length());
    return frames;
  }

  /** One unfragmented server frame. */
  static Buffer encode(int opcode, Buffer payload) {
    int length = payload.length();
    Buffer out = Buffer.buffer(length + 10).appendByte((byte) (0x80 | opcode));
    if (length < 126) {
      out.appendByte((byte) length);
    } else if (length <= 0xffff) {
      out.appendByte((byte) 126).appendShort((short) length);
    } else {
      out.appendByte((byte) 127).appendLong(length);
    }
    return out.appendBuffer(payload);
  }

  static Buffer closeFrame(int code, String reason) {
    return encode(OP_CLOSE, Buffer.buffer().appendShort((short) code).appendString(reason));
  }

  /** The Sec-WebSocket-Accept value for a client's Sec-WebSocket-Key. */
  static String accept(String key) {
    try {
      byte[] digest = MessageDigest.getInstance("SHA-1").digest((key.trim() + ACCEPT_GUID).getBytes(StandardCharsets.US_ASCII));
      return Base64.getEncoder().encodeToString(digest);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-1 is part of every JRE", e);
    }
  }

  /** A broken client frame, with the close code to answer it with. */
  static final class WebSocketException extends RuntimeException {
    final int code;

    WebSocketException(int code, String message) {
      super(message);
      this.code = code;
    }
  }
}
