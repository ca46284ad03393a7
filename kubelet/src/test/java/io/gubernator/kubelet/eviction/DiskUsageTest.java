package io.gubernator.kubelet.eviction;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DiskUsageTest {

  @TempDir
  Path tmp;

  /** What the directories themselves take (it differs between file systems), so that file sizes can be checked exactly. */
  private static long directories(Path root) throws IOException {
    try (Stream<Path> all = Files.walk(root)) {
      long sum = 0;
      for (Path p : all.filter(p -> Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)).toList()) sum += Files.size(p);
      return sum;
    }
  }

  @Test
  void countsEveryFileInTheTree() throws IOException {
    Path vol = Files.createDirectories(tmp.resolve("vol/a/b"));
    Files.write(tmp.resolve("vol/top"), new byte[1000]);
    Files.write(vol.resolve("deep"), new byte[4 * 1024 * 1024]);
    Path root = tmp.resolve("vol");
    assertThat(DiskUsage.bytes(root)).isEqualTo(1000 + 4 * 1024 * 1024 + directories(root));
  }

  @Test
  void aFileWithTwoHardLinksCountsOnce() throws IOException {
    Path root = Files.createDirectories(tmp.resolve("vol"));
    Files.write(root.resolve("data"), new byte[50_000]);
    Files.createLink(root.resolve("again"), root.resolve("data"));
    assertThat(DiskUsage.bytes(root)).isEqualTo(50_000 + directories(root));
  }

  @Test
  void symbolicLinksAreNotFollowed() throws IOException {
    Path outside = Files.write(tmp.resolve("big"), new byte[2_000_000]);
    Path root = Files.createDirectories(tmp.resolve("vol"));
    Files.createSymbolicLink(root.resolve("file-link"), outside);
    Files.createSymbolicLink(root.resolve("dir-link"), tmp);
    // A link takes the length of the path it holds.
    long links = outside.toString().length() + tmp.toString().length();
    assertThat(DiskUsage.bytes(root)).isEqualTo(directories(root) + links);
  }

  @Test
  void aMissingDirectoryHoldsNothing() throws IOException {
    assertThat(DiskUsage.bytes(tmp.resolve("never-created"))).isZero();
  }
}
