package io.gubernator.kubelet.logs;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.function.BooleanSupplier;

/**
 * Reads a container log in the CRI format ({@code <RFC 3339 time> <stream> <P|F> <text>}, one entry
 * per line, P marking a piece of a longer line) and renders it as {@code kubectl logs} shows it,
 * with the kubelet's options: tail, since, timestamps, byte limit and follow.
 */
public final class ContainerLogs {

  /** Where rendered log bytes go; returns false when the reader has gone away. */
  @FunctionalInterface
  public interface Sink {
    boolean write(byte[] bytes) throws IOException, InterruptedException;
  }

  /**
   * @param tailLines  -1 for all
   * @param since      null for all
   * @param limitBytes -1 for no limit
   */
  public record Options(boolean follow, long tailLines, Instant since, boolean timestamps, long limitBytes) {}

  private record Entry(Instant time, String timeText, boolean partial, String text) {}

  private ContainerLogs() {}

  /**
   * Renders {@code file} into {@code sink}. With follow, keeps reading as the file grows until
   * {@code running} turns false and the file is drained, or the sink refuses more.
   */
  public static void read(Path file, Options options, BooleanSupplier running, Sink sink) throws IOException, InterruptedException {
    if (!Files.exists(file)) return;
    long[] budget = {options.limitBytes() < 0 ? Long.MAX_VALUE : options.limitBytes()};
    long offset = 0;
    if (options.tailLines() >= 0) offset = tailOffset(file, options.tailLines());
    try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "r")) {
      raf.seek(offset);
      StringBuilder pending = new StringBuilder();
      boolean atLineStart = true;
      byte[] buf = new byte[64 * 1024];
      while (true) {
        int n = raf.read(buf);
        if (n > 0) {
          pending.append(new String(buf, 0, n, StandardCharsets.UTF_8));
          int nl;
          while ((nl = pending.indexOf("\n")) >= 0) {
            String line = pending.substring(0, nl);
            pending.delete(0, nl + 1);
            Entry e = parse(line);
            if (e == null || (options.since() != null && e.time().isBefore(options.since()))) continue;
            StringBuilder out = new StringBuilder();
            if (options.timestamps() && atLineStart) out.append(e.timeText()).append(' ');
            out.append(e.text());
            if (!e.partial()) out.append('\n');
            atLineStart = !e.partial();
            if (!emit(out.toString(), budget, sink)) return;
          }
          continue;
        }
        if (!options.follow()) return;
        if (!running.getAsBoolean()) {
          // One more look: the last lines may have landed after the read above.
          if (raf.getFilePointer() >= raf.length()) return;
          continue;
        }
        Thread.sleep(100);
      }
    }
  }

  private static boolean emit(String text, long[] budget, Sink sink) throws IOException, InterruptedException {
    byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
    if (bytes.length > budget[0]) {
      byte[] cut = java.util.Arrays.copyOf(bytes, (int) budget[0]);
      if (cut.length > 0) sink.write(cut);
      return false;
    }
    budget[0] -= bytes.length;
    return sink.write(bytes) && budget[0] > 0;
  }

  static Entry parse(String line) {
    int a = line.indexOf(' ');
    if (a < 0) return null;
    int b = line.indexOf(' ', a + 1);
    if (b < 0) return null;
    int c = line.indexOf(' ', b + 1);
    String tag = c < 0 ? line.substring(b + 1) : line.substring(b + 1, c);
    String text = c < 0 ? "" : line.substring(c + 1);
    Instant time;
    try {
      time = Instant.parse(line.substring(0, a));
    } catch (RuntimeException e) {
      return null;
    }
    return new Entry(time, line.substring(0, a), "P".equals(tag), text);
  }

  /** The offset where the last {@code lines} full lines begin (partial pieces belong to the line they end in). */
  static long tailOffset(Path file, long lines) throws IOException {
    if (lines == 0) return Files.size(file);
    Deque<Long> starts = new ArrayDeque<>();
    try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "r")) {
      long pos = 0;
      long lineStart = 0;
      boolean logicalStart = true;
      byte[] buf = new byte[64 * 1024];
      StringBuilder line = new StringBuilder();
      int n;
      while ((n = raf.read(buf)) > 0) {
        for (int i = 0; i < n; i++) {
          byte ch = buf[i];
          pos++;
          if (ch != '\n') {
            if (line.length() < 64) line.append((char) ch);
            continue;
          }
          Entry e = parse(line.toString());
          if (logicalStart) {
            starts.addLast(lineStart);
            if (starts.size() > lines) starts.removeFirst();
          }
          logicalStart = e == null || !e.partial();
          line.setLength(0);
          lineStart = pos;
        }
      }
    }
    return starts.isEmpty() ? 0 : starts.peekFirst();
  }
}
