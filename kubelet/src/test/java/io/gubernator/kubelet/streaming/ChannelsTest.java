package io.gubernator.kubelet.streaming;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.buffer.Buffer;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class ChannelsTest {

  private final List<String> events = new ArrayList<>();
  private final Channels.Sink sink = new Channels.Sink() {
    @Override
    public void data(int channel, Buffer payload) {
      events.add(channel + ":" + payload);
    }

    @Override
    public void close(int channel) {
      events.add("close " + channel);
    }
  };

  private static Buffer bytes(int... b) {
    Buffer buffer = Buffer.buffer();
    for (int x : b) buffer.appendByte((byte) x);
    return buffer;
  }

  @Test
  void theFirstByteOfAMessageIsItsChannelAcrossFragments() {
    Channels c = new Channels(true);
    c.read(bytes(0, 'a', 'b'), true, sink);
    c.read(bytes(4), true, sink); // channel only, the data follows in the next fragment
    c.read(Buffer.buffer("{\"Width\":80,\"Height\":24}"), false, sink);
    c.read(bytes(0, 'c'), true, sink);
    c.read(Buffer.buffer("d"), false, sink);
    c.read(Buffer.buffer(), true, sink); // an empty first fragment: the channel is still to come
    c.read(bytes(0, 'e'), false, sink);
    assertThat(events).containsExactly("0:ab", "4:{\"Width\":80,\"Height\":24}", "0:c", "0:d", "0:e");
  }

  @Test
  void v5sCloseSignalHalfClosesAChannelAndV4HasNone() {
    Channels v5 = new Channels(true);
    v5.read(bytes(0, 'x'), true, sink);
    v5.read(bytes(255, 0), true, sink);
    assertThat(events).containsExactly("0:x", "close 0");
    events.clear();
    new Channels(false).read(bytes(255, 0), true, sink);
    assertThat(events).containsExactly("255:" + bytes(0));
  }

  @Test
  void serverMessagesArePrefixedWithTheirChannel() {
    assertThat(Channels.message(Channels.STDERR, Buffer.buffer("oops")).getBytes()).containsExactly(2, 'o', 'o', 'p', 's');
    assertThat(Channels.message(Channels.ERROR, Buffer.buffer()).getBytes()).containsExactly(3);
  }
}
