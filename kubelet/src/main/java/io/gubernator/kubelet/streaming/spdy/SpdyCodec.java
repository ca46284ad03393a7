package io.gubernator.kubelet.streaming.spdy;

import io.vertx.core.buffer.Buffer;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Encodes frames to bytes and decodes bytes to frames for one end of a SPDY/3.1 session. Bytes
 * arrive in arbitrary pieces; {@link #decode} keeps what does not yet make a whole frame. Each
 * end has its own header compression state, so one codec must not serve two sessions.
 */
public final class SpdyCodec {

  private static final int HEADER_BYTES = 8;
  /** The 24-bit length field's limit; a peer announcing more is broken. */
  private static final int MAX_FRAME_PAYLOAD = (1 << 24) - 1;

  private final HeaderCompression headers = new HeaderCompression();
  private Buffer pending = Buffer.buffer();

  public Buffer encode(SpdyFrame frame) {
    return switch (frame) {
      case SpdyFrame.Data d -> {
        Buffer b = Buffer.buffer(HEADER_BYTES + d.payload().length());
        b.appendInt(d.streamId() & 0x7fffffff).appendInt((d.flags() & 0xff) << 24 | d.payload().length());
        yield b.appendBuffer(d.payload());
      }
      case SpdyFrame.SynStream s -> {
        Buffer body = Buffer.buffer().appendInt(s.streamId() & 0x7fffffff).appendInt(s.associatedTo() & 0x7fffffff)
            .appendByte((byte) ((s.priority() & 0x7) << 5)).appendByte((byte) 0).appendBytes(headers.compress(s.headers()));
        yield control(SpdyFrame.TYPE_SYN_STREAM, s.flags(), body);
      }
      case SpdyFrame.SynReply s -> control(SpdyFrame.TYPE_SYN_REPLY, s.flags(),
          Buffer.buffer().appendInt(s.streamId() & 0x7fffffff).appendBytes(headers.compress(s.headers())));
      case SpdyFrame.Headers h -> control(SpdyFrame.TYPE_HEADERS, h.flags(),
          Buffer.buffer().appendInt(h.streamId() & 0x7fffffff).appendBytes(headers.compress(h.headers())));
      case SpdyFrame.RstStream r -> control(SpdyFrame.TYPE_RST_STREAM, 0,
          Buffer.buffer().appendInt(r.streamId() & 0x7fffffff).appendInt(r.status()));
      case SpdyFrame.Settings s -> {
        Buffer body = Buffer.buffer().appendInt(s.values().size());
        s.values().forEach((id, value) -> body.appendInt(id & 0xffffff).appendInt(value));
        yield control(SpdyFrame.TYPE_SETTINGS, s.flags(), body);
      }
      case SpdyFrame.Ping p -> control(SpdyFrame.TYPE_PING, 0, Buffer.buffer().appendInt(p.id()));
      case SpdyFrame.GoAway g -> control(SpdyFrame.TYPE_GOAWAY, 0,
          Buffer.buffer().appendInt(g.lastGoodStreamId() & 0x7fffffff).appendInt(g.status()));
      case SpdyFrame.WindowUpdate w -> control(SpdyFrame.TYPE_WINDOW_UPDATE, 0,
          Buffer.buffer().appendInt(w.streamId() & 0x7fffffff).appendInt(w.delta() & 0x7fffffff));
      case SpdyFrame.Unknown u -> throw new IllegalArgumentException("cannot encode an unknown frame");
    };
  }

  private static Buffer control(int type, int flags, Buffer body) {
    return Buffer.buffer(HEADER_BYTES + body.length())
        .appendShort((short) (0x8000 | SpdyFrame.VERSION)).appendShort((short) type)
        .appendInt((flags & 0xff) << 24 | body.length()).appendBuffer(body);
  }

  /** The whole frames that {@code more}, after what came before, completes. */
  public List<SpdyFrame> decode(Buffer more) {
    pending = pending.length() == 0 ? more : pending.appendBuffer(more);
    List<SpdyFrame> frames = new ArrayList<>();
    int pos = 0;
    while (pending.length() - pos >= HEADER_BYTES) {
      int length = pending.getInt(pos + 4) & 0xffffff;
      if (length > MAX_FRAME_PAYLOAD) throw new SpdyProtocolException("frame too large");
      if (pending.length() - pos - HEADER_BYTES < length) break;
      frames.add(frame(pending, pos, length));
      pos += HEADER_BYTES + length;
    }
    pending = pos == pending.length() ? Buffer.buffer() : pending.getBuffer(pos, pending.length());
    return frames;
  }

  private SpdyFrame frame(Buffer b, int pos, int length) {
    int first = b.getInt(pos);
    int flags = b.getUnsignedByte(pos + 4);
    int body = pos + HEADER_BYTES;
    if ((first & 0x80000000) == 0) return new SpdyFrame.Data(first, flags, b.getBuffer(body, body + length));
    int version = (first >>> 16) & 0x7fff;
    if (version != SpdyFrame.VERSION) throw new SpdyProtocolException("unsupported SPDY version " + version);
    int type = first & 0xffff;
    return switch (type) {
      case SpdyFrame.TYPE_SYN_STREAM -> {
        need(length, 10, "SYN_STREAM");
        yield new SpdyFrame.SynStream(b.getInt(body) & 0x7fffffff, b.getInt(body + 4) & 0x7fffffff,
            b.getUnsignedByte(body + 8) >>> 5, flags, block(b, body + 10, body + length));
      }
      case SpdyFrame.TYPE_SYN_REPLY -> {
        need(length, 4, "SYN_REPLY");
        yield new SpdyFrame.SynReply(b.getInt(body) & 0x7fffffff, flags, block(b, body + 4, body + length));
      }
      case SpdyFrame.TYPE_HEADERS -> {
        need(length, 4, "HEADERS");
        yield new SpdyFrame.Headers(b.getInt(body) & 0x7fffffff, flags, block(b, body + 4, body + length));
      }
      case SpdyFrame.TYPE_RST_STREAM -> {
        need(length, 8, "RST_STREAM");
        yield new SpdyFrame.RstStream(b.getInt(body) & 0x7fffffff, b.getInt(body + 4));
      }
      case SpdyFrame.TYPE_SETTINGS -> {
        need(length, 4, "SETTINGS");
        int count = b.getInt(body);
        if (count < 0 || 4 + 8L * count != length) throw new SpdyProtocolException("bad SETTINGS length");
        Map<Integer, Integer> values = new LinkedHashMap<>();
        for (int i = 0; i < count; i++) values.put(b.getInt(body + 4 + 8 * i) & 0xffffff, b.getInt(body + 8 + 8 * i));
        yield new SpdyFrame.Settings(flags, values);
      }
      case SpdyFrame.TYPE_PING -> {
        need(length, 4, "PING");
        yield new SpdyFrame.Ping(b.getInt(body));
      }
      case SpdyFrame.TYPE_GOAWAY -> {
        // SPDY/2 peers send no status; 3 and 3.1 do.
        need(length, 4, "GOAWAY");
        yield new SpdyFrame.GoAway(b.getInt(body) & 0x7fffffff, length >= 8 ? b.getInt(body + 4) : 0);
      }
      case SpdyFrame.TYPE_WINDOW_UPDATE -> {
        need(length, 8, "WINDOW_UPDATE");
        yield new SpdyFrame.WindowUpdate(b.getInt(body) & 0x7fffffff, b.getInt(body + 4) & 0x7fffffff);
      }
      default -> new SpdyFrame.Unknown(type, flags, length);
    };
  }

  private Map<String, String> block(Buffer b, int from, int to) {
    // No block bytes (spdystream sends none for empty headers) leave the shared zlib stream untouched.
    return from == to ? Map.of() : headers.decompress(b.getBytes(from, to));
  }

  private static void need(int length, int min, String what) {
    if (length < min) throw new SpdyProtocolException(what + " frame too short: " + length);
  }

  public void close() {
    headers.close();
  }
}
