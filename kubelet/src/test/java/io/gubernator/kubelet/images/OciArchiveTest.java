package io.gubernator.kubelet.images;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class OciArchiveTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  private static OciImage sample(List<LayerEntry> files) {
    return new OciImage("localhost/sample:1", List.of("/bin/app"), List.of("serve"), List.of("A=1"), files);
  }

  private static List<LayerEntry> sampleFiles() {
    return List.of(
        LayerEntry.directory("/bin", 0755),
        LayerEntry.file("/bin/app", 0755, "#!/bin/sh\necho hi\n".getBytes(StandardCharsets.UTF_8)),
        LayerEntry.symlink("/bin/sh", "app"),
        LayerEntry.directory("/etc", 0755),
        LayerEntry.file("/etc/motd", 0644, "x".repeat(1000).getBytes(StandardCharsets.UTF_8)),
        LayerEntry.directory("/tmp", 01777));
  }

  @Test
  void rebuildingTheSameImageGivesTheSameBytesAndDigest() {
    OciArchive first = OciArchive.of(sample(sampleFiles()));
    OciArchive second = OciArchive.of(sample(sampleFiles()));
    assertThat(second.manifestDigest()).isEqualTo(first.manifestDigest()).startsWith("sha256:").hasSize(71);
    assertThat(second.bytes()).isEqualTo(first.bytes());
  }

  @Test
  void fileOrderDoesNotChangeTheDigest() {
    List<LayerEntry> reversed = new ArrayList<>(sampleFiles());
    java.util.Collections.reverse(reversed);
    assertThat(OciArchive.of(sample(reversed)).manifestDigest())
        .isEqualTo(OciArchive.of(sample(sampleFiles())).manifestDigest());
  }

  @Test
  void contentChangesTheDigest() {
    List<LayerEntry> changed = new ArrayList<>(sampleFiles());
    changed.set(1, LayerEntry.file("/bin/app", 0755, "other".getBytes(StandardCharsets.UTF_8)));
    assertThat(OciArchive.of(sample(changed)).manifestDigest())
        .isNotEqualTo(OciArchive.of(sample(sampleFiles())).manifestDigest());
  }

  @Test
  void archiveIsAnOciLayoutWithSortedEntriesAndConsistentDigests() throws Exception {
    OciArchive archive = OciArchive.of(sample(sampleFiles()));
    Map<String, Entry> outer = read(archive.bytes());
    List<String> names = List.copyOf(outer.keySet());
    assertThat(names).isSorted();
    assertThat(names.getFirst()).isEqualTo("blobs/");
    assertThat(names).contains("blobs/sha256/", "index.json", "oci-layout").hasSize(7);
    assertThat(text(outer.get("oci-layout"))).isEqualTo("{\"imageLayoutVersion\":\"1.0.0\"}");
    for (Entry e : outer.values()) {
      if (e.name.startsWith("blobs/sha256/") && e.type == '0') {
        assertThat("sha256:" + sha256(e.content)).isEqualTo("sha256:" + e.name.substring("blobs/sha256/".length()));
      }
    }

    JsonNode index = JSON.readTree(outer.get("index.json").content);
    JsonNode desc = index.get("manifests").get(0);
    assertThat(desc.get("digest").asText()).isEqualTo(archive.manifestDigest());
    assertThat(desc.get("annotations").get("org.opencontainers.image.ref.name").asText()).isEqualTo("localhost/sample:1");
    assertThat(desc.get("annotations").get("io.containerd.image.name").asText()).isEqualTo("localhost/sample:1");
    assertThat(desc.get("platform").get("os").asText()).isEqualTo("linux");

    JsonNode manifest = JSON.readTree(blob(outer, archive.manifestDigest()));
    assertThat(manifest.get("mediaType").asText()).isEqualTo(OciArchive.MEDIA_MANIFEST);
    JsonNode config = JSON.readTree(blob(outer, manifest.get("config").get("digest").asText()));
    assertThat(config.get("config").get("Entrypoint").get(0).asText()).isEqualTo("/bin/app");
    assertThat(config.get("config").get("Cmd").get(0).asText()).isEqualTo("serve");
    assertThat(config.get("config").get("Env").get(0).asText()).isEqualTo("A=1");

    JsonNode layerDesc = manifest.get("layers").get(0);
    assertThat(layerDesc.get("mediaType").asText()).isEqualTo(OciArchive.MEDIA_LAYER_GZIP);
    byte[] layerGz = blob(outer, layerDesc.get("digest").asText());
    assertThat(layerDesc.get("size").asLong()).isEqualTo(layerGz.length);
    byte[] layerTar = new GZIPInputStream(new ByteArrayInputStream(layerGz)).readAllBytes();
    assertThat(config.get("rootfs").get("diff_ids").get(0).asText()).isEqualTo("sha256:" + sha256(layerTar));

    Map<String, Entry> layer = read(layerTar);
    assertThat(layer.keySet()).containsExactly("bin/", "bin/app", "bin/sh", "etc/", "etc/motd", "tmp/");
    assertThat(layer.get("bin/sh").type).isEqualTo('2');
    assertThat(layer.get("bin/sh").link).isEqualTo("app");
    assertThat(layer.get("tmp/").mode).isEqualTo(01777);
    assertThat(layer.get("bin/app").mode).isEqualTo(0755);
    assertThat(text(layer.get("etc/motd"))).hasSize(1000);
    assertThat(layer.values()).allSatisfy(e -> assertThat(e.mtime).isEqualTo(OciArchive.MTIME));
  }

  @Test
  void systemTarReadsTheLayerAndLongNames(@TempDir Path dir) throws Exception {
    String longName = "a".repeat(60) + "/" + "b".repeat(60) + "/file";
    byte[] tar = OciArchive.layerTar(List.of(LayerEntry.file(longName, 0644, new byte[] {1, 2, 3})));
    Path file = dir.resolve("layer.tar");
    Files.write(file, tar);
    Process p = new ProcessBuilder("tar", "-tf", file.toString()).redirectErrorStream(true).start();
    String listing = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor()).as(listing).isZero();
    assertThat(listing.strip()).isEqualTo(longName);
    assertThat(read(tar)).containsKey(longName);
  }

  @Test
  void duplicatePathsAndEscapingPathsAreRejected() {
    assertThatThrownBy(() -> sample(List.of(LayerEntry.directory("/a", 0755), LayerEntry.directory("a/", 0755))))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("twice");
    assertThatThrownBy(() -> LayerEntry.file("/../etc/passwd", 0644, new byte[0]))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void pauseImageHoldsOnlyTheStaticPauseBinary() throws Exception {
    OciImage pause = BuiltinImages.pause();
    assertThat(pause.ref()).isEqualTo(BuiltinImages.PAUSE);
    assertThat(pause.entrypoint()).containsExactly("/pause");
    assertThat(pause.files()).singleElement().satisfies(e -> {
      assertThat(e.path()).isEqualTo("pause");
      byte[] elf = ((LayerEntry.RegularFile) e).content();
      assertThat(new String(elf, 1, 3, StandardCharsets.US_ASCII)).isEqualTo("ELF");
    });
    assertThat(OciArchive.of(pause).manifestDigest()).isEqualTo(OciArchive.of(BuiltinImages.pause()).manifestDigest());
  }

  @Test
  void busyboxImageLinksEveryAppletAndIsStable() throws Exception {
    assumeTrue(Files.isExecutable(BuiltinImages.DEBIAN_BUSYBOX), "needs busybox-static");
    OciImage busybox = BuiltinImages.busybox(BuiltinImages.DEBIAN_BUSYBOX);
    Map<String, LayerEntry> byPath = new LinkedHashMap<>();
    busybox.files().forEach(e -> byPath.put(e.path(), e));
    assertThat(byPath.get("bin/sh")).isEqualTo(LayerEntry.symlink("bin/sh", "busybox"));
    assertThat(byPath.get("bin/wget")).isEqualTo(LayerEntry.symlink("bin/wget", "busybox"));
    assertThat(byPath).containsKeys("bin/busybox", "etc/passwd", "etc/group", "tmp").doesNotContainKey("etc/hosts");
    assertThat(new String(((LayerEntry.RegularFile) byPath.get("etc/passwd")).content(), StandardCharsets.UTF_8))
        .contains("root:x:0:0:", "nobody:x:65534:65534:");
    assertThat(busybox.cmd()).containsExactly("sh");
    assertThat(busybox.env()).containsExactly("PATH=" + BuiltinImages.DEFAULT_PATH);
    assertThat(OciArchive.of(busybox).manifestDigest())
        .isEqualTo(OciArchive.of(BuiltinImages.busybox(BuiltinImages.DEBIAN_BUSYBOX)).manifestDigest());
  }

  // ---- a minimal ustar reader, independent of the writer, that also checks each header's checksum

  private record Entry(String name, char type, int mode, long mtime, String link, byte[] content) {}

  private static Map<String, Entry> read(byte[] tar) {
    Map<String, Entry> entries = new LinkedHashMap<>();
    int pos = 0;
    while (pos + 512 <= tar.length) {
      byte[] h = java.util.Arrays.copyOfRange(tar, pos, pos + 512);
      if (h[0] == 0) {
        break;
      }
      long sum = 0;
      for (int i = 0; i < 512; i++) {
        sum += (i >= 148 && i < 156) ? ' ' : (h[i] & 0xff);
      }
      assertThat(octal(h, 148, 8)).as("header checksum at %d", pos).isEqualTo(sum);
      assertThat(field(h, 257, 6)).isEqualTo("ustar");
      String name = field(h, 0, 100);
      String prefix = field(h, 345, 155);
      if (!prefix.isEmpty()) {
        name = prefix + "/" + name;
      }
      int size = (int) octal(h, 124, 12);
      byte[] content = java.util.Arrays.copyOfRange(tar, pos + 512, pos + 512 + size);
      entries.put(name, new Entry(name, (char) h[156], (int) octal(h, 100, 8), octal(h, 136, 12), field(h, 157, 100), content));
      pos += 512 + (size + 511) / 512 * 512;
    }
    assertThat(tar.length - pos).as("two zero blocks end the archive").isEqualTo(1024);
    return entries;
  }

  private static String field(byte[] h, int off, int len) {
    int end = off;
    while (end < off + len && h[end] != 0) {
      end++;
    }
    return new String(h, off, end - off, StandardCharsets.UTF_8);
  }

  private static long octal(byte[] h, int off, int len) {
    String s = field(h, off, len).trim();
    return s.isEmpty() ? 0 : Long.parseLong(s, 8);
  }

  private static byte[] blob(Map<String, Entry> outer, String digest) {
    Entry e = outer.get("blobs/sha256/" + digest.substring("sha256:".length()));
    assertThat(e).as("blob %s", digest).isNotNull();
    return e.content;
  }

  private static String text(Entry e) {
    return new String(e.content, StandardCharsets.UTF_8);
  }

  private static String sha256(byte[] b) throws Exception {
    return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
  }
}
