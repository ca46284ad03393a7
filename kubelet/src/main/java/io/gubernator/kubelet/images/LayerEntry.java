package io.gubernator.kubelet.images;

import java.util.Arrays;

/** One entry of an image layer; paths are relative to the image root (a leading slash is dropped). */
public sealed interface LayerEntry permits LayerEntry.Directory, LayerEntry.RegularFile, LayerEntry.Symlink {

  String path();

  static Directory directory(String path, int mode) {
    return new Directory(relative(path), mode);
  }

  static RegularFile file(String path, int mode, byte[] content) {
    return new RegularFile(relative(path), mode, content.clone());
  }

  static Symlink symlink(String path, String target) {
    return new Symlink(relative(path), target);
  }

  record Directory(String path, int mode) implements LayerEntry {}

  record RegularFile(String path, int mode, byte[] content) implements LayerEntry {
    // Records compare arrays by identity; images are compared by content.
    @Override
    public boolean equals(Object o) {
      return o instanceof RegularFile f && f.path.equals(path) && f.mode == mode
          && Arrays.equals(f.content, content);
    }

    @Override
    public int hashCode() {
      return path.hashCode() * 31 + Arrays.hashCode(content);
    }

    @Override
    public String toString() {
      return "RegularFile[path=" + path + ", mode=" + Integer.toOctalString(mode) + ", size=" + content.length + "]";
    }
  }

  record Symlink(String path, String target) implements LayerEntry {}

  private static String relative(String path) {
    String p = path;
    while (p.startsWith("/")) {
      p = p.substring(1);
    }
    while (p.endsWith("/")) {
      p = p.substring(0, p.length() - 1);
    }
    if (p.isEmpty() || p.contains("//") || p.equals("..") || p.startsWith("../") || p.contains("/../")) {
      throw new IllegalArgumentException("not a path inside an image: " + path);
    }
    return p;
  }
}
