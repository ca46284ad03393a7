package io.gubernator.kubelet.streaming;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vertx.core.buffer.Buffer;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;

class WebSocketFramesTest {

  /** A client frame as RFC 6455 makes it: masked with {@code key}. */
  private static Buffer clientFrame(boolean fin, int opcode, byte[] payload, byte[] key) {
    Buffer b = Buffer.buffer().appendByte((byte) ((fin ? 0x80 : 0) | opcode));
    if (payload.length < 126) {
      b.appendByte((byte) (0x80 | payload.length));
    } else if (payload.length <= 0xffff) {
      b.appendByte((byte) (0x80 | 126)).appendShort((short) payload.length);
    } else {
      b.appendByte((byte) (0x80 | 127)).appendLong(payload.length);
    }
    b.appendBytes(key);
    for (int i = 0; i < payload.length; i++) b.appendByte((byte) (payload[i] ^ key[i & 3]));
    return b;
  }

  @Test
  void theAcceptKeyIsRfc6455s() {
    assertThat(WebSocketFrames.accept("dGhlIHNhbXBsZSBub25jZQ==")).isEqualTo("s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
  }

  @Test
  void theRfcsMaskedHelloDecodes() {
    List<WebSocketFrames.Frame> frames = WebSocketFrames.decoder().decode(Buffer.buffer(HexFormat.of().parseHex("818537fa213d7f9f4d5158")));
    assertThat(frames).hasSize(1);
    assertThat(frames.get(0).fin()).isTrue();
    assertThat(frames.get(0).opcode()).isEqualTo(WebSocketFrames.OP_TEXT);
    assertThat(frames.get(0).payload().toString()).isEqualTo("Hello");
  }

  @Test
  void fragmentsAndLongLengthsDecodeFromPiecesOfAnySize() {
    byte[] key = {1, 2, 3, 4};
    byte[] big = new byte[70_000];
    for (int i = 0; i < big.length; i++) big[i] = (byte) i;
    Buffer wire = Buffer.buffer()
        .appendBuffer(clientFrame(false, WebSocketFrames.OP_BINARY, new byte[] {0, 'a'}, key))
        .appendBuffer(clientFrame(true, WebSocketFrames.OP_PING, "p".getBytes(), key))
        .appendBuffer(clientFrame(true, WebSocketFrames.OP_CONTINUATION, new byte[300], key))
        .appendBuffer(clientFrame(true, WebSocketFrames.OP_BINARY, big, key));
    WebSocketFrames decoder = WebSocketFrames.decoder();
    List<WebSocketFrames.Frame> frames = new ArrayList<>();
    for (int i = 0; i < wire.length(); i += 7) frames.addAll(decoder.decode(wire.getBuffer(i, Math.min(wire.length(), i + 7))));
    assertThat(frames).extracting(WebSocketFrames.Frame::opcode).containsExactly(2, 9, 0, 2);
    assertThat(frames).extracting(WebSocketFrames.Frame::fin).containsExactly(false, true, true, true);
    assertThat(frames.get(0).payload().getBytes()).containsExactly(0, 'a');
    assertThat(frames.get(2).payload().length()).isEqualTo(300);
    assertThat(frames.get(3).payload().getBytes()).isEqualTo(big);
  }

  @Test
  void unmaskedOrOversizedClientFramesAreRefused() {
    assertThatThrownBy(() -> WebSocketFrames.decoder().decode(Buffer.buffer(HexFormat.of().parseHex("820161"))))
        .isInstanceOf(WebSocketFrames.WebSocketException.class).hasMessageContaining("not masked");
    Buffer huge = Buffer.buffer(HexFormat.of().parseHex("82ff")).appendLong(1L << 40);
    assertThatThrownBy(() -> WebSocketFrames.decoder().decode(huge))
        .isInstanceOfSatisfying(WebSocketFrames.WebSocketException.class, e -> assertThat(e.code).isEqualTo(WebSocketFrames.CLOSE_TOO_BIG));
  }

  @Test
  void serverFramesAreUnmaskedWithTheShortestLength() {
    assertThat(HexFormat.of().formatHex(WebSocketFrames.encode(WebSocketFrames.OP_BINARY, Buffer.buffer("hi")).getBytes())).isEqualTo("82026869");
    Buffer mid = WebSocketFrames.encode(WebSocketFrames.OP_BINARY, Buffer.buffer(new byte[126]));
    assertThat(HexFormat.of().formatHex(mid.getBytes(0, 4))).isEqualTo("827e007e");
    Buffer large = WebSocketFrames.encode(WebSocketFrames.OP_BINARY, Buffer.buffer(new byte[65536]));
    assertThat(HexFormat.of().formatHex(large.getBytes(0, 10))).isEqualTo("827f0000000000010000");
    assertThat(HexFormat.of().formatHex(WebSocketFrames.closeFrame(1000, "").getBytes())).isEqualTo("880203e8");
  }
}
