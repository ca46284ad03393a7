package io.gubernator.kubelet.logs;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ContainerLogsTest {

  @TempDir
  Path dir;

  private static final String LOG = """
      2026-01-01T00:00:01.000000001Z stdout F one
      2026-01-01T00:00:02.000000000Z stderr P tw
      2026-01-01T00:00:02.500000000Z stderr F o
      2026-01-01T00:00:03.000000000Z stdout F three
      2026-01-01T00:00:04.000000000Z stdout F
      """;

  private String read(ContainerLogs.Options options) throws Exception {
    Path file = dir.resolve("0.log");
    Files.writeString(file, LOG);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ContainerLogs.read(file, options, () -> false, bytes -> {
      out.write(bytes);
      return true;
    });
    return out.toString(StandardCharsets.UTF_8);
  }

  @Test
  void partialEntriesJoinIntoOneLine() throws Exception {
    assertThat(read(new ContainerLogs.Options(false, -1, null, false, -1))).isEqualTo("one\ntwo\nthree\n\n");
  }

  @Test
  void tailCountsWholeLines() throws Exception {
    assertThat(read(new ContainerLogs.Options(false, 3, null, false, -1))).isEqualTo("two\nthree\n\n");
    assertThat(read(new ContainerLogs.Options(false, 0, null, false, -1))).isEmpty();
  }

  @Test
  void timestampsPrefixEachLineOnce() throws Exception {
    assertThat(read(new ContainerLogs.Options(false, 2, null, true, -1)))
        .isEqualTo("2026-01-01T00:00:03.000000000Z three\n2026-01-01T00:00:04.000000000Z \n");
    assertThat(read(new ContainerLogs.Options(false, 3, null, true, -1))).startsWith("2026-01-01T00:00:02.000000000Z two\n");
  }

  @Test
  void sinceDropsOlderEntriesAndLimitBytesCuts() throws Exception {
    assertThat(read(new ContainerLogs.Options(false, -1, Instant.parse("2026-01-01T00:00:02.600Z"), false, -1))).isEqualTo("three\n\n");
    assertThat(read(new ContainerLogs.Options(false, -1, null, false, 6))).isEqualTo("one\ntw");
  }

  @Test
  void followStopsWhenTheContainerHasStoppedAndTheFileIsDrained() throws Exception {
    Path file = dir.resolve("1.log");
    Files.writeString(file, "2026-01-01T00:00:01Z stdout F a\n");
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    int[] polls = {0};
    ContainerLogs.read(file, new ContainerLogs.Options(true, -1, null, false, -1), () -> {
      if (++polls[0] == 2) {
        try {
          Files.writeString(file, "2026-01-01T00:00:02Z stdout F b\n", java.nio.file.StandardOpenOption.APPEND);
        } catch (java.io.IOException e) {
          throw new java.io.UncheckedIOException(e);
        }
      }
      return polls[0] < 3;
    }, bytes -> {
      out.write(bytes);
      return true;
    });
    assertThat(out.toString(StandardCharsets.UTF_8)).isEqualTo("a\nb\n");
  }
}
