package io.gubernator.kubelet.volume;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.gubernator.kubelet.volume.AtomicWriter.VolumeFile;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AtomicWriterTest {

  @TempDir
  Path dir;

  private static VolumeFile file(String text, int mode) {
    return new VolumeFile(text.getBytes(), mode);
  }

  @Test
  void visibleNamesGoThroughDataAndAnUpdateSwapsItWhole() throws IOException {
    assertThat(AtomicWriter.write(dir, Map.of("a", file("1", 0644), "sub/b", file("2", 0600)))).isTrue();
    assertThat(Files.readString(dir.resolve("a"))).isEqualTo("1");
    assertThat(Files.readString(dir.resolve("sub/b"))).isEqualTo("2");
    assertThat(Files.readSymbolicLink(dir.resolve("a")).toString()).isEqualTo("..data/a");
    Path first = Files.readSymbolicLink(dir.resolve("..data"));

    assertThat(AtomicWriter.write(dir, Map.of("a", file("1", 0644), "sub/b", file("2", 0600)))).isFalse();
    assertThat(AtomicWriter.write(dir, Map.of("a", file("changed", 0644)))).isTrue();
    assertThat(Files.readString(dir.resolve("a"))).isEqualTo("changed");
    assertThat(Files.exists(dir.resolve("sub"))).isFalse();
    assertThat(Files.exists(dir.resolve(first))).isFalse();
  }

  @Test
  void aChangedModeIsAnUpdateAndPathsCannotEscape() throws IOException {
    AtomicWriter.write(dir, Map.of("a", file("1", 0644)));
    assertThat(AtomicWriter.write(dir, Map.of("a", file("1", 0400)))).isTrue();
    assertThat(Files.getPosixFilePermissions(dir.resolve("a"))).isEqualTo(AtomicWriter.permissions(0400));
    assertThatThrownBy(() -> AtomicWriter.write(dir, Map.of("../x", file("1", 0644)))).isInstanceOf(IOException.class);
  }
}
