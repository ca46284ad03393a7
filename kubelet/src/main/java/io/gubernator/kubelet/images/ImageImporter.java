package io.gubernator.kubelet.images;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Loads images into containerd without a registry, through {@code ctr images import} into the
 * namespace the CRI plugin uses ({@code k8s.io}): the built-in images, cached as OCI archives,
 * and every {@code *.tar} in the agent's images directory (k3s' "airgap images" directory).
 *
 * <p>ctr is run as {@code ctr --address SOCK -n k8s.io images import FILE}, with no further
 * flags: our archives name the image in index.json with containerd's {@code io.containerd.image.name}
 * and the OCI {@code org.opencontainers.image.ref.name} annotation, and containerd 1.6 keeps a name
 * that contains {@code /}, {@code :} or {@code @} as it is. {@code --base-name} would make ctr skip
 * every image outside that prefix, and the default (the host's platform only) fits images built
 * for this node. ctr unpacks into the default snapshotter, overlayfs, the one the CRI plugin uses.
 */
public final class ImageImporter {
  /** The containerd namespace the CRI plugin keeps its images and containers in. */
  public static final String CRI_NAMESPACE = "k8s.io";
  private static final Logger log = LoggerFactory.getLogger(ImageImporter.class);
  private static final Duration CTR_TIMEOUT = Duration.ofMinutes(5);

  private final Path ctr;
  private final Path socket;

  /** @param ctr the ctr binary of the same containerd; @param socket containerd's gRPC socket */
  public ImageImporter(Path ctr, Path socket) {
    this.ctr = ctr;
    this.socket = socket;
  }

  /** Imports the built-in images that can be built here; busybox is skipped (with a warning) when absent. */
  public List<String> importBuiltins(Path cacheDir) throws IOException {
    List<OciImage> images = new ArrayList<>();
    images.add(BuiltinImages.pause());
    if (Files.isExecutable(BuiltinImages.DEBIAN_BUSYBOX)) {
      images.add(BuiltinImages.busybox(BuiltinImages.DEBIAN_BUSYBOX));
    } else {
      log.warn("image not built: ref={} reason=\"no {} (Debian: busybox-static)\"",
          BuiltinImages.BUSYBOX, BuiltinImages.DEBIAN_BUSYBOX);
    }
    Map<String, String> present = listImages();
    List<String> refs = new ArrayList<>();
    for (OciImage image : images) {
      ensure(OciArchive.of(image), cacheDir, present);
      refs.add(image.ref());
    }
    return refs;
  }

  /**
   * Caches {@code archive} under {@code cacheDir} and imports it, unless containerd already has
   * the image under its name with the same manifest digest.
   */
  public void ensure(OciArchive archive, Path cacheDir) throws IOException {
    ensure(archive, cacheDir, listImages());
  }

  private void ensure(OciArchive archive, Path cacheDir, Map<String, String> present) throws IOException {
    Path cached = cacheFile(archive, cacheDir);
    if (!Files.isRegularFile(cached) || Files.size(cached) != archive.size()) {
      archive.writeTo(cached);
      log.info("image archive built: ref={} digest={} file={}", archive.ref(), archive.manifestDigest(), cached);
      deleteOlderArchives(cached);
    }
    if (archive.manifestDigest().equals(present.get(archive.ref()))) {
      log.debug("image already imported: ref={} digest={}", archive.ref(), archive.manifestDigest());
      return;
    }
    importArchive(cached);
    log.info("image imported: ref={} digest={}", archive.ref(), archive.manifestDigest());
  }

  /** Imports every {@code *.tar} directly in {@code imagesDir}, in name order; a missing directory is empty. */
  public List<Path> importDirectory(Path imagesDir) throws IOException {
    List<Path> tars = new ArrayList<>();
    if (!Files.isDirectory(imagesDir)) {
      return tars;
    }
    try (DirectoryStream<Path> dir = Files.newDirectoryStream(imagesDir, "*.tar")) {
      dir.forEach(p -> {
        if (Files.isRegularFile(p)) {
          tars.add(p);
        }
      });
    }
    tars.sort(null);
    for (Path tar : tars) {
      importArchive(tar);
      log.info("image archive imported: file={}", tar);
    }
    return tars;
  }

  /** Runs {@code ctr images import} on one archive (OCI layout or docker save format). */
  public void importArchive(Path archive) throws IOException {
    run("images", "import", archive.toAbsolutePath().toString());
  }

  /** The images in the CRI namespace: name to manifest (or index) digest. */
  public Map<String, String> listImages() throws IOException {
    Map<String, String> images = new LinkedHashMap<>();
    // Columns: REF TYPE DIGEST SIZE PLATFORMS LABELS; names and digests never contain spaces.
    String[] lines = run("images", "ls").split("\n");
    for (int i = 1; i < lines.length; i++) {
      String[] cols = lines[i].trim().split("\\s+");
      if (cols.length >= 3) {
        images.put(cols[0], cols[2]);
      }
    }
    return images;
  }

  static Path cacheFile(OciArchive archive, Path cacheDir) {
    // The digest is in the name, so an image change never reuses a stale archive.
    String name = archive.ref().replaceAll("[^A-Za-z0-9._-]", "_");
    return cacheDir.resolve(name + "-" + archive.manifestDigest().substring("sha256:".length(), 19) + ".tar");
  }

  /** Removes the archives of earlier builds of the same image, so the cache holds one per image. */
  private static void deleteOlderArchives(Path cached) throws IOException {
    String name = cached.getFileName().toString();
    String glob = name.substring(0, name.lastIndexOf('-')) + "-" + "?".repeat(12) + ".tar";
    try (DirectoryStream<Path> dir = Files.newDirectoryStream(cached.getParent(), glob)) {
      for (Path p : dir) {
        if (!p.equals(cached)) {
          Files.deleteIfExists(p);
        }
      }
    }
  }

  private String run(String... args) throws IOException {
    List<String> cmd = new ArrayList<>(List.of(ctr.toString(), "--address", socket.toString(), "-n", CRI_NAMESPACE));
    cmd.addAll(List.of(args));
    return Exec.run(cmd, CTR_TIMEOUT);
  }
}
