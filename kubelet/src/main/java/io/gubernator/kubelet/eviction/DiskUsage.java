package io.gubernator.kubelet.eviction;

import java.io.IOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

/**
 * The bytes a directory tree holds, measured as the kubelet's volume metrics do with a walk of
 * the tree: symbolic links are not followed, a file with several hard links counts once, and
 * other file systems mounted inside the tree are left out (they are not this volume's storage).
 *
 * <p>Java cannot read a file's allocated blocks, so this counts apparent sizes: a sparse file
 * counts at its length, which is more than Kubernetes' block count would charge it.
 */
public final class DiskUsage {

  private DiskUsage() {}

  /** The bytes under {@code root}, itself included; 0 when it does not exist. */
  public static long bytes(Path root) throws IOException {
    Map<String, Object> top;
    try {
      top = Files.readAttributes(root, "unix:dev", LinkOption.NOFOLLOW_LINKS);
    } catch (NoSuchFileException e) {
      return 0;
    }
    long device = (Long) top.get("dev");
    Set<Long> linked = new HashSet<>();
    long[] total = {0};
    Files.walkFileTree(root, new SimpleFileVisitor<>() {
      @Override
      public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) throws IOException {
        Map<String, Object> a = attributes(dir, "unix:dev,size");
        if (a == null || (Long) a.get("dev") != device) return FileVisitResult.SKIP_SUBTREE;
        total[0] += (Long) a.get("size");
        return FileVisitResult.CONTINUE;
      }

      @Override
      public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
        Map<String, Object> a = attributes(file, "unix:ino,nlink,size");
        if (a == null || (Integer) a.get("nlink") > 1 && !linked.add((Long) a.get("ino"))) return FileVisitResult.CONTINUE;
        total[0] += (Long) a.get("size");
        return FileVisitResult.CONTINUE;
      }

      @Override
      public FileVisitResult visitFileFailed(Path file, IOException e) throws IOException {
        if (e instanceof NoSuchFileException) return FileVisitResult.CONTINUE;
        throw e;
      }
    });
    return total[0];
  }

  /** The attributes of {@code p}, or null when it vanished: the pod's containers keep changing the tree while it is counted. */
  private static Map<String, Object> attributes(Path p, String which) throws IOException {
    try {
      return Files.readAttributes(p, which, LinkOption.NOFOLLOW_LINKS);
    } catch (NoSuchFileException e) {
      return null;
    }
  }
}
