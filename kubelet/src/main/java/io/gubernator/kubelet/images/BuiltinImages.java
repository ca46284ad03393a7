package io.gubernator.kubelet.images;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;

/**
 * The images every Gubernator node has without a registry: the pod sandbox image and a busybox
 * for tests and debugging, both built here from files on the machine.
 */
public final class BuiltinImages {
  /** The sandbox ("pause") image containerd's CRI plugin starts every pod with. */
  public static final String PAUSE = "localhost/gubernator/pause:1";
  public static final String BUSYBOX = "localhost/busybox:1";
  /** Debian's busybox-static puts its statically linked binary here. */
  public static final Path DEBIAN_BUSYBOX = Path.of("/usr/bin/busybox");
  public static final String DEFAULT_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

  private static final String PAUSE_RESOURCE = "pause";

  private BuiltinImages() {}

  /** The sandbox image: only {@code /pause}, the static program built from src/main/c/pause.c. */
  public static OciImage pause() {
    byte[] binary;
    try (InputStream in = BuiltinImages.class.getResourceAsStream(PAUSE_RESOURCE)) {
      if (in == null) {
        throw new IllegalStateException("the pause binary is missing from the classpath (resource "
            + BuiltinImages.class.getPackageName().replace('.', '/') + "/" + PAUSE_RESOURCE
            + "); the kubelet module's build compiles it with gcc -static (Debian: gcc, libc6-dev)");
      }
      binary = in.readAllBytes();
    } catch (IOException e) {
      throw new IllegalStateException("cannot read the pause binary from the classpath", e);
    }
    return new OciImage(PAUSE, List.of("/pause"), List.of(), List.of("PATH=" + DEFAULT_PATH),
        List.of(LayerEntry.file("/pause", 0755, binary)));
  }

  /**
   * busybox with a {@code /bin} link for every applet it lists, a world-writable {@code /tmp},
   * and root and nobody in {@code /etc/passwd} and {@code /etc/group}. {@code /etc/hosts} and
   * {@code /etc/resolv.conf} are left out: the runtime mounts them into every container.
   *
   * @param busybox a statically linked busybox (a dynamic one would not run in the image)
   */
  public static OciImage busybox(Path busybox) throws IOException {
    if (!Files.isExecutable(busybox)) {
      throw new IOException("no busybox at " + busybox + " (Debian: apt-get install busybox-static)");
    }
    List<LayerEntry> files = new ArrayList<>();
    files.add(LayerEntry.directory("/bin", 0755));
    files.add(LayerEntry.file("/bin/busybox", 0755, Files.readAllBytes(busybox)));
    for (String applet : applets(busybox)) {
      if (!applet.equals("busybox")) {
        files.add(LayerEntry.symlink("/bin/" + applet, "busybox"));
      }
    }
    files.add(LayerEntry.directory("/etc", 0755));
    files.add(LayerEntry.file("/etc/passwd", 0644, ascii("""
        root:x:0:0:root:/root:/bin/sh
        nobody:x:65534:65534:nobody:/home:/bin/false
        """)));
    files.add(LayerEntry.file("/etc/group", 0644, ascii("""
        root:x:0:
        nobody:x:65534:
        """)));
    files.add(LayerEntry.directory("/root", 0700));
    files.add(LayerEntry.directory("/tmp", 01777));
    return new OciImage(BUSYBOX, List.of(), List.of("sh"), List.of("PATH=" + DEFAULT_PATH), files);
  }

  private static List<String> applets(Path busybox) throws IOException {
    String out = Exec.run(List.of(busybox.toString(), "--list"), Duration.ofSeconds(30));
    TreeSet<String> names = new TreeSet<>();
    for (String line : out.split("\n")) {
      String name = line.strip();
      // A name with a slash would escape /bin; busybox never lists one, but the list is input.
      if (!name.isEmpty() && !name.contains("/") && !name.startsWith(".")) {
        names.add(name);
      }
    }
    if (names.isEmpty()) {
      throw new IOException(busybox + " --list printed no applets");
    }
    return List.copyOf(names);
  }

  private static byte[] ascii(String s) {
    return s.getBytes(StandardCharsets.US_ASCII);
  }
}
