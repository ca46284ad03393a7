package io.gubernator.kubelet.volume;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermission;
import java.util.Comparator;
import java.util.EnumSet;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;

/**
 * Writes a projected volume (configMap, secret, downwardAPI) so that a reader never sees a half
 * update, as Kubernetes' atomic writer does: the files go into a fresh timestamped directory, the
 * {@code ..data} symlink is swapped to it in one rename, and each visible name is a symlink through
 * {@code ..data}. A container's bind mount of the volume directory then sees the new content.
 */
public final class AtomicWriter {

  private static final String DATA = "..data";

  /** One file of the volume: its bytes and permission bits. */
  public record VolumeFile(byte[] data, int mode) {}

  private AtomicWriter() {}

  /** Replaces the volume's content with {@code files} (relative path → content) unless it is already exactly that. */
  public static boolean write(Path dir, Map<String, VolumeFile> files) throws IOException {
    Files.createDirectories(dir);
    Path current = dir.resolve(DATA);
    if (Files.isSymbolicLink(current) && sameContent(dir.resolve(Files.readSymbolicLink(current)), files)) return false;
    Path fresh = Files.createTempDirectory(dir, "..");
    for (Map.Entry<String, VolumeFile> e : files.entrySet()) {
      Path f = fresh.resolve(e.getKey()).normalize();
      if (!f.startsWith(fresh) || f.equals(fresh)) throw new IOException("path escapes the volume: " + e.getKey());
      Files.createDirectories(f.getParent());
      Files.write(f, e.getValue().data());
      Files.setPosixFilePermissions(f, permissions(e.getValue().mode()));
    }
    Files.setPosixFilePermissions(fresh, permissions(0755));
    Path old = Files.isSymbolicLink(current) ? dir.resolve(Files.readSymbolicLink(current)) : null;
    Path tmpLink = dir.resolve("..data_tmp");
    Files.deleteIfExists(tmpLink);
    Files.createSymbolicLink(tmpLink, fresh.getFileName());
    Files.move(tmpLink, current, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    // Top-level names point through ..data; names that disappeared go away.
    Set<String> top = new java.util.HashSet<>();
    for (String name : files.keySet()) top.add(name.split("/", 2)[0]);
    for (String name : top) {
      Path link = dir.resolve(name);
      if (Files.isSymbolicLink(link)) continue;
      Files.createSymbolicLink(link, Path.of(DATA, name));
    }
    try (Stream<Path> entries = Files.list(dir)) {
      for (Path p : entries.toList()) {
        String n = p.getFileName().toString();
        if (n.startsWith("..")) continue;
        if (!top.contains(n) && Files.isSymbolicLink(p)) Files.delete(p);
      }
    }
    if (old != null && !old.equals(fresh)) deleteRecursively(old);
    return true;
  }

  private static boolean sameContent(Path dataDir, Map<String, VolumeFile> files) throws IOException {
    if (!Files.isDirectory(dataDir)) return false;
    long count;
    try (Stream<Path> walk = Files.walk(dataDir)) {
      count = walk.filter(p -> Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)).count();
    }
    if (count != files.size()) return false;
    for (Map.Entry<String, VolumeFile> e : files.entrySet()) {
      Path f = dataDir.resolve(e.getKey());
      if (!Files.isRegularFile(f) || !java.util.Arrays.equals(Files.readAllBytes(f), e.getValue().data())) return false;
      if (!Files.getPosixFilePermissions(f).equals(permissions(e.getValue().mode()))) return false;
    }
    return true;
  }

  static Set<PosixFilePermission> permissions(int mode) {
    Set<PosixFilePermission> set = EnumSet.noneOf(PosixFilePermission.class);
    PosixFilePermission[] order = {PosixFilePermission.OTHERS_EXECUTE, PosixFilePermission.OTHERS_WRITE, PosixFilePermission.OTHERS_READ,
        PosixFilePermission.GROUP_EXECUTE, PosixFilePermission.GROUP_WRITE, PosixFilePermission.GROUP_READ,
        PosixFilePermission.OWNER_EXECUTE, PosixFilePermission.OWNER_WRITE, PosixFilePermission.OWNER_READ};
    for (int i = 0; i < order.length; i++) if ((mode & (1 << i)) != 0) set.add(order[i]);
    return set;
  }

  public static void deleteRecursively(Path dir) throws IOException {
    if (!Files.exists(dir, LinkOption.NOFOLLOW_LINKS)) return;
    try (Stream<Path> walk = Files.walk(dir)) {
      for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) Files.deleteIfExists(p);
    }
  }
}
