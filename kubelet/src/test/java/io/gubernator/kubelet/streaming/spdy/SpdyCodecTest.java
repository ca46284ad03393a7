package io.gubernator.kubelet.streaming.spdy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vertx.core.buffer.Buffer;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SpdyCodecTest {

  private static String hex(Buffer b) {
    return HexFormat.of().formatHex(b.getBytes());
  }

  @Test
  void fixedFramesHaveTheSpecsLayout() {
    SpdyCodec codec = new SpdyCodec();
    // Control bit, version 3, type, flags, 24-bit length, then the fields.
    assertThat(hex(codec.encode(new SpdyFrame.Ping(1)))).isEqualTo("80030006" + "00000004" + "00000001");
    assertThat(hex(codec.encode(new SpdyFrame.RstStream(3, SpdyFrame.RST_CANCEL)))).isEqualTo("80030003" + "00000008" + "00000003" + "00000005");
    assertThat(hex(codec.encode(new SpdyFrame.GoAway(7, 0)))).isEqualTo("80030007" + "00000008" + "00000007" + "00000000");
    assertThat(hex(codec.encode(new SpdyFrame.WindowUpdate(5, 65536)))).isEqualTo("80030009" + "00000008" + "00000005" + "00010000");
    assertThat(hex(codec.encode(new SpdyFrame.Settings(0, Map.of(SpdyFrame.SETTINGS_INITIAL_WINDOW_SIZE, 1 << 20)))))
        .isEqualTo("80030004" + "0000000c" + "00000001" + "00000007" + "00100000");
    // A data frame: no control bit, the stream id, FIN in the flags byte.
    assertThat(hex(codec.encode(new SpdyFrame.Data(1, SpdyFrame.FLAG_FIN, Buffer.buffer("hi"))))).isEqualTo("00000001" + "01000002" + "6869");
    assertThat(hex(codec.encode(new SpdyFrame.Data(3, SpdyFrame.FLAG_FIN, Buffer.buffer())))).isEqualTo("00000003" + "01000000");
  }

  @Test
  void aSynStreamCarriesIdsPriorityAndACompressedBlock() {
    Buffer b = new SpdyCodec().encode(new SpdyFrame.SynStream(5, 0, 2, 0, Map.of("streamtype", "stdout")));
    assertThat(hex(b.getBuffer(0, 4))).isEqualTo("80030001");
    assertThat(b.getInt(4) & 0xffffff).isEqualTo(b.length() - 8);
    assertThat(b.getInt(8)).isEqualTo(5);
    assertThat(b.getInt(12)).isZero();
    assertThat(b.getUnsignedByte(16)).isEqualTo((short) 0x40);
    assertThat(hex(b.getBuffer(18, 24))).isEqualTo("78bbe3c6a7c2"); // zlib with a dictionary, and its id
  }

  @Test
  void everyFrameRoundTripsEvenByteByByte() {
    SpdyCodec client = new SpdyCodec();
    SpdyCodec server = new SpdyCodec();
    List<SpdyFrame> frames = List.of(
        new SpdyFrame.SynStream(1, 0, 0, 0, Map.of("streamtype", "error")),
        new SpdyFrame.SynStream(3, 0, 0, SpdyFrame.FLAG_UNIDIRECTIONAL, Map.of("streamtype", "stdin")),
        new SpdyFrame.SynReply(1, 0, Map.of()),
        new SpdyFrame.SynReply(3, SpdyFrame.FLAG_FIN, Map.of("x", "y")),
        new SpdyFrame.Headers(3, 0, Map.of("trailer", "1")),
        new SpdyFrame.RstStream(3, SpdyFrame.RST_PROTOCOL_ERROR),
        new SpdyFrame.Settings(1, Map.of(4, 100, 7, 65536)),
        new SpdyFrame.Ping(2),
        new SpdyFrame.GoAway(3, 0),
        new SpdyFrame.WindowUpdate(1, 1000));
    Buffer wire = Buffer.buffer();
    for (SpdyFrame f : frames) wire.appendBuffer(client.encode(f));
    wire.appendBuffer(client.encode(new SpdyFrame.Data(3, 0, Buffer.buffer("stdin bytes"))));
    List<SpdyFrame> decoded = new ArrayList<>();
    for (int i = 0; i < wire.length(); i++) decoded.addAll(server.decode(wire.getBuffer(i, i + 1)));
    assertThat(decoded.subList(0, frames.size())).isEqualTo(frames);
    SpdyFrame.Data data = (SpdyFrame.Data) decoded.get(frames.size());
    assertThat(data.streamId()).isEqualTo(3);
    assertThat(data.fin()).isFalse();
    assertThat(data.payload().toString()).isEqualTo("stdin bytes");
  }

  @Test
  void unknownControlFramesAreSkippedAndOtherVersionsRefused() {
    SpdyCodec codec = new SpdyCodec();
    Buffer unknown = Buffer.buffer(HexFormat.of().parseHex("8003000a" + "00000003" + "abcdef"));
    Buffer ping = codec.encode(new SpdyFrame.Ping(4));
    assertThat(codec.decode(unknown.appendBuffer(ping)))
        .containsExactly(new SpdyFrame.Unknown(10, 0, 3), new SpdyFrame.Ping(4));
    assertThatThrownBy(() -> new SpdyCodec().decode(Buffer.buffer(HexFormat.of().parseHex("80020006" + "00000004" + "00000001"))))
        .isInstanceOf(SpdyProtocolException.class).hasMessageContaining("version 2");
    assertThatThrownBy(() -> new SpdyCodec().decode(Buffer.buffer(HexFormat.of().parseHex("80030003" + "00000004" + "00000001"))))
        .hasMessageContaining("RST_STREAM frame too short");
  }
}
