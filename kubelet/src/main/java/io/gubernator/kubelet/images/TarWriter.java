package io.gubernator.kubelet.images;

import java.io.Closeable;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;

/**
 * A POSIX ustar writer: directories, regular files and symbolic links, which is all an image
 * layer or an OCI image layout needs.
 *
 * <p>Every header carries the same owner (root), modification time and no device numbers, so the
 * bytes depend only on the entries and their order; image digests stay stable across builds.
 */
final class TarWriter implements Closeable {
  private static final int BLOCK = 512;
  private static final int NAME_MAX = 100;
  private static final int PREFIX_MAX = 155;

  private final OutputStream out;
  private final long mtime;
  private boolean closed;

  /** {@code mtime} is seconds since the epoch, written into every entry. */
  TarWriter(OutputStream out, long mtime) {
    this.out = out;
    this.mtime = mtime;
  }

  void directory(String path, int mode) throws IOException {
    String name = path.endsWith("/") ? path : path + "/";
    out.write(header(name, mode, 0, '5', ""));
  }

  void file(String path, int mode, byte[] content) throws IOException {
    out.write(header(path, mode, content.length, '0', ""));
    out.write(content);
    int pad = (BLOCK - content.length % BLOCK) % BLOCK;
    out.write(new byte[pad]);
  }

  void symlink(String path, String target) throws IOException {
    out.write(header(path, 0777, 0, '2', target));
  }

  /** Writes the two zero blocks that end an archive; does not close the underlying stream. */
  void finish() throws IOException {
    if (!closed) {
      out.write(new byte[2 * BLOCK]);
      closed = true;
    }
  }

  @Override
  public void close() throws IOException {
    finish();
    out.flush();
  }

  private byte[] header(String path, int mode, long size, char type, String linkName) {
    byte[] h = new byte[BLOCK];
    byte[] name = path.getBytes(StandardCharsets.UTF_8);
    if (name.length <= NAME_MAX) {
      System.arraycopy(name, 0, h, 0, name.length);
    } else {
      // ustar splits long names at a slash: up to 155 bytes of prefix, up to 100 of name.
      int split = splitPoint(name, path);
      System.arraycopy(name, split + 1, h, 0, name.length - split - 1);
      System.arraycopy(name, 0, h, 345, split);
    }
    octal(h, 100, 8, mode);
    octal(h, 108, 8, 0); // uid
    octal(h, 116, 8, 0); // gid
    octal(h, 124, 12, size);
    octal(h, 136, 12, mtime);
    h[156] = (byte) type;
    byte[] link = linkName.getBytes(StandardCharsets.UTF_8);
    if (link.length > NAME_MAX) {
      throw new IllegalArgumentException("symlink target longer than 100 bytes: " + linkName);
    }
    System.arraycopy(link, 0, h, 157, link.length);
    ascii(h, 257, "ustar\u0000");
    ascii(h, 263, "00");
    ascii(h, 265, "root");
    ascii(h, 297, "root");
    octal(h, 329, 8, 0); // devmajor
    octal(h, 337, 8, 0); // devminor
    // The checksum is computed with its own field read as spaces.
    for (int i = 148; i < 156; i++) {
      h[i] = ' ';
    }
    long sum = 0;
    for (byte b : h) {
      sum += b & 0xff;
    }
    String chk = String.format("%06o", sum);
    ascii(h, 148, chk);
    h[154] = 0;
    h[155] = ' ';
    return h;
  }

  private static int splitPoint(byte[] name, String path) {
    for (int i = Math.min(name.length - 2, PREFIX_MAX); i > 0; i--) {
      if (name[i] == '/' && name.length - i - 1 <= NAME_MAX) {
        return i;
      }
    }
    throw new IllegalArgumentException("path too long for ustar: " + path);
  }

  private static void octal(byte[] h, int offset, int length, long value) {
    String digits = Long.toOctalString(value);
    if (digits.length() > length - 1) {
      throw new IllegalArgumentException("value " + value + " does not fit a " + length + "-byte tar field");
    }
    String padded = "0".repeat(length - 1 - digits.length()) + digits;
    ascii(h, offset, padded); // the last byte stays NUL
  }

  private static void ascii(byte[] h, int offset, String s) {
    byte[] b = s.getBytes(StandardCharsets.US_ASCII);
    System.arraycopy(b, 0, h, offset, b.length);
  }
}
