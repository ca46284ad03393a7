package io.gubernator.kubelet.images;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.zip.GZIPOutputStream;

/**
 * An image as an OCI image layout in a tar (what {@code ctr images import} and {@code skopeo
 * oci-archive:} read): {@code oci-layout}, {@code index.json} naming the image, and the manifest,
 * config and one gzip layer under {@code blobs/sha256/}.
 *
 * <p>The bytes are a function of the {@link OciImage} alone (fixed mtimes and owners, sorted
 * entries, gzip without a timestamp, JSON in a fixed key order), so rebuilding an unchanged image
 * gives the same manifest digest and re-importing it changes nothing in containerd.
 */
public final class OciArchive {
  public static final String MEDIA_INDEX = "application/vnd.oci.image.index.v1+json";
  public static final String MEDIA_MANIFEST = "application/vnd.oci.image.manifest.v1+json";
  public static final String MEDIA_CONFIG = "application/vnd.oci.image.config.v1+json";
  public static final String MEDIA_LAYER_GZIP = "application/vnd.oci.image.layer.v1.tar+gzip";
  /** The OCI annotation that names a manifest in an index. */
  public static final String ANNOTATION_REF_NAME = "org.opencontainers.image.ref.name";
  /** containerd's own name annotation; its importer prefers it to the OCI one. */
  public static final String ANNOTATION_CONTAINERD_NAME = "io.containerd.image.name";

  /** Every entry's mtime: 2000-01-01T00:00:00Z, recent enough that no tool takes it for "unset". */
  static final long MTIME = 946684800L;
  private static final String CREATED = "2000-01-01T00:00:00Z";

  private final String ref;
  private final String manifestDigest;
  private final byte[] bytes;

  private OciArchive(String ref, String manifestDigest, byte[] bytes) {
    this.ref = ref;
    this.manifestDigest = manifestDigest;
    this.bytes = bytes;
  }

  public static OciArchive of(OciImage image) {
    try {
      return build(image);
    } catch (IOException e) {
      throw new UncheckedIOException(e); // only in-memory streams are written
    }
  }

  public String ref() {
    return ref;
  }

  /** {@code sha256:<hex>} of the manifest: what {@code ctr images ls} shows as DIGEST. */
  public String manifestDigest() {
    return manifestDigest;
  }

  public byte[] bytes() {
    return bytes.clone();
  }

  public int size() {
    return bytes.length;
  }

  /** Writes the archive to {@code file} through a temporary sibling and an atomic rename. */
  public void writeTo(Path file) throws IOException {
    Path parent = file.toAbsolutePath().getParent();
    Files.createDirectories(parent);
    Path tmp = Files.createTempFile(parent, file.getFileName().toString(), ".tmp");
    try {
      Files.write(tmp, bytes);
      Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    } finally {
      Files.deleteIfExists(tmp);
    }
  }

  private static OciArchive build(OciImage image) throws IOException {
    byte[] layerTar = layerTar(image.files());
    byte[] layer = gzip(layerTar);
    String arch = OciImage.hostArchitecture();

    Map<String, Object> runtime = new LinkedHashMap<>();
    if (!image.env().isEmpty()) {
      runtime.put("Env", image.env());
    }
    if (!image.entrypoint().isEmpty()) {
      runtime.put("Entrypoint", image.entrypoint());
    }
    if (!image.cmd().isEmpty()) {
      runtime.put("Cmd", image.cmd());
    }
    runtime.put("WorkingDir", "/");
    Map<String, Object> config = new LinkedHashMap<>();
    config.put("created", CREATED);
    config.put("architecture", arch);
    config.put("os", "linux");
    config.put("config", runtime);
    config.put("rootfs", ordered("type", "layers", "diff_ids", List.of(digest(layerTar))));
    config.put("history", List.of(ordered("created", CREATED, "created_by", "gubernator")));
    byte[] configJson = utf8(Json.write(config));

    Map<String, Object> manifest = new LinkedHashMap<>();
    manifest.put("schemaVersion", 2);
    manifest.put("mediaType", MEDIA_MANIFEST);
    manifest.put("config", descriptor(MEDIA_CONFIG, configJson));
    manifest.put("layers", List.of(descriptor(MEDIA_LAYER_GZIP, layer)));
    byte[] manifestJson = utf8(Json.write(manifest));

    Map<String, Object> manifestDescriptor = descriptor(MEDIA_MANIFEST, manifestJson);
    manifestDescriptor.put("annotations",
        ordered(ANNOTATION_CONTAINERD_NAME, image.ref(), ANNOTATION_REF_NAME, image.ref()));
    manifestDescriptor.put("platform", ordered("architecture", arch, "os", "linux"));
    Map<String, Object> index = new LinkedHashMap<>();
    index.put("schemaVersion", 2);
    index.put("mediaType", MEDIA_INDEX);
    index.put("manifests", List.of(manifestDescriptor));

    // Sorted by digest, so the blob order does not depend on how this method is written.
    Map<String, byte[]> blobs = new TreeMap<>();
    for (byte[] blob : List.of(layer, configJson, manifestJson)) {
      blobs.put(hex(blob), blob);
    }
    ByteArrayOutputStream out = new ByteArrayOutputStream(layer.length + 8192);
    try (TarWriter tar = new TarWriter(out, MTIME)) {
      tar.directory("blobs", 0755);
      tar.directory("blobs/sha256", 0755);
      for (Map.Entry<String, byte[]> blob : blobs.entrySet()) {
        tar.file("blobs/sha256/" + blob.getKey(), 0644, blob.getValue());
      }
      tar.file("index.json", 0644, utf8(Json.write(index)));
      tar.file("oci-layout", 0644, utf8("{\"imageLayoutVersion\":\"1.0.0\"}"));
    }
    return new OciArchive(image.ref(), digest(manifestJson), out.toByteArray());
  }

  static byte[] layerTar(List<LayerEntry> files) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (TarWriter tar = new TarWriter(out, MTIME)) {
      for (LayerEntry e : files) {
        switch (e) {
          case LayerEntry.Directory d -> tar.directory(d.path(), d.mode());
          case LayerEntry.RegularFile f -> tar.file(f.path(), f.mode(), f.content());
          case LayerEntry.Symlink s -> tar.symlink(s.path(), s.target());
        }
      }
    }
    return out.toByteArray();
  }

  private static byte[] gzip(byte[] data) throws IOException {
    // Java's gzip header has no file name and a zero mtime: the output depends on the input only.
    ByteArrayOutputStream out = new ByteArrayOutputStream(data.length / 2);
    try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
      gz.write(data);
    }
    return out.toByteArray();
  }

  private static Map<String, Object> descriptor(String mediaType, byte[] blob) {
    return ordered("mediaType", mediaType, "digest", digest(blob), "size", blob.length);
  }

  private static Map<String, Object> ordered(Object... keyValues) {
    Map<String, Object> m = new LinkedHashMap<>();
    for (int i = 0; i < keyValues.length; i += 2) {
      m.put((String) keyValues[i], keyValues[i + 1]);
    }
    return m;
  }

  static String digest(byte[] blob) {
    return "sha256:" + hex(blob);
  }

  private static String hex(byte[] blob) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(blob));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JDK has SHA-256", e);
    }
  }

  private static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }
}
