package io.gubernator.kubelet.streaming.spdy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.zip.Adler32;
import org.junit.jupiter.api.Test;

class HeaderCompressionTest {

  @Test
  void theDictionaryIsSpdy3s() {
    // 1423 bytes; its Adler-32 is the dictionary id every SPDY/3 header stream names in its zlib header.
    assertThat(HeaderCompression.DICTIONARY).hasSize(1423);
    Adler32 adler = new Adler32();
    adler.update(HeaderCompression.DICTIONARY);
    assertThat(adler.getValue()).isEqualTo(0xe3c6a7c2L);
    assertThat(new String(HeaderCompression.DICTIONARY, 0, 11, StandardCharsets.ISO_8859_1)).isEqualTo("\0\0\0\u0007options");
    assertThat(new String(HeaderCompression.DICTIONARY, StandardCharsets.ISO_8859_1)).endsWith("utf-,*,enq=0.");
  }

  @Test
  void aBlockNamesTheDictionaryInItsZlibHeader() {
    byte[] block = new HeaderCompression().compress(Map.of("streamtype", "stdin"));
    assertThat(block[0] & 0x0f).as("deflate").isEqualTo(8);
    assertThat(block[1] & 0x20).as("FDICT").isNotZero();
    assertThat(((block[0] & 0xff) << 8 | (block[1] & 0xff)) % 31).as("header check").isZero();
    assertThat(new byte[] {block[2], block[3], block[4], block[5]}).containsExactly(0xe3, 0xc6, 0xa7, 0xc2);
  }

  @Test
  void theUncompressedFormIsCountedLengthPrefixedPairsWithLowercaseNames() {
    Map<String, String> h = new LinkedHashMap<>();
    h.put("streamType", "error");
    assertThat(HeaderCompression.serialize(h)).containsExactly(
        0, 0, 0, 1, 0, 0, 0, 10, 's', 't', 'r', 'e', 'a', 'm', 't', 'y', 'p', 'e', 0, 0, 0, 5, 'e', 'r', 'r', 'o', 'r');
    assertThat(HeaderCompression.parse(HeaderCompression.serialize(h))).containsExactly(Map.entry("streamtype", "error"));
  }

  @Test
  void blocksRoundTripThroughOneStreamPerDirection() {
    HeaderCompression sender = new HeaderCompression();
    HeaderCompression receiver = new HeaderCompression();
    for (int i = 0; i < 20; i++) {
      Map<String, String> h = new LinkedHashMap<>();
      h.put("streamtype", i % 2 == 0 ? "stdout" : "stderr");
      h.put("port", String.valueOf(8000 + i));
      h.put("requestid", "r" + i);
      h.put("multi", "a\0b");
      h.put("big", "x".repeat(i * 1000));
      // Later blocks refer back to earlier ones: only the same stream state can read them.
      assertThat(receiver.decompress(sender.compress(h))).isEqualTo(h);
    }
  }

  @Test
  void brokenBlocksAreProtocolErrors() {
    assertThatThrownBy(() -> new HeaderCompression().decompress(new byte[] {1, 2, 3, 4, 5}))
        .isInstanceOf(SpdyProtocolException.class);
    assertThatThrownBy(() -> HeaderCompression.parse(new byte[] {0, 0, 0, 1, 0, 0, 0, 9, 'a'}))
        .isInstanceOf(SpdyProtocolException.class);
    byte[] twice = {0, 0, 0, 2, 0, 0, 0, 1, 'a', 0, 0, 0, 1, 'b', 0, 0, 0, 1, 'a', 0, 0, 0, 1, 'c'};
    assertThatThrownBy(() -> HeaderCompression.parse(twice)).hasMessageContaining("duplicate header a");
  }
}
