package io.gubernator.kubelet.volume;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.DownwardAPIVolumeFile;
import io.fabric8.kubernetes.api.model.KeyToPath;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.api.model.VolumeProjection;
import io.gubernator.kubelet.cri.v1.Mount;
import io.gubernator.kubelet.cri.v1.MountPropagation;
import io.gubernator.kubelet.kuberuntime.DownwardApi;
import io.gubernator.kubelet.kuberuntime.EnvVars;
import io.gubernator.kubelet.volume.AtomicWriter.VolumeFile;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Pod volumes on the node, under {@code <root>/pods/<uid>/volumes/<plugin>/<name>} as the kubelet
 * lays them out: emptyDir (disk, or tmpfs for {@code medium: Memory}), hostPath, and the projected
 * kinds (configMap on disk; secret, downwardAPI and projected on tmpfs), which are rewritten
 * atomically on every sync so that running containers see changes. Other volume types are refused with a clear message.
 */
public final class VolumeManager {

  /** A volume that cannot be set up; the pod gets a FailedMount event and its containers wait. */
  public static final class VolumeException extends Exception {
    public VolumeException(String message) {
      super(message);
    }
  }

  private static final Logger LOG = LoggerFactory.getLogger(VolumeManager.class);
  private static final int DEFAULT_MODE = 0644;
  private static final String EMPTY_DIR_PLUGIN = "kubernetes.io~empty-dir";

  private final Path podsRoot;
  private final EnvVars.Objects objects;

  public VolumeManager(Path podsRoot, EnvVars.Objects objects) {
    this.podsRoot = podsRoot;
    this.objects = objects;
  }

  public Path podDir(String uid) {
    return podsRoot.resolve(uid);
  }

  /** Where the emptyDir volume {@code name} of pod {@code uid} lives on the node. */
  public Path emptyDir(String uid, String name) {
    return podDir(uid).resolve("volumes").resolve(EMPTY_DIR_PLUGIN).resolve(name);
  }

  /** Creates or refreshes every volume of {@code pod}; idempotent. */
  public void setUp(Pod pod, String hostIp) throws VolumeException {
    for (Volume v : pod.getSpec().getVolumes()) {
      try {
        setUp(pod, v, hostIp);
      } catch (IOException e) {
        throw new VolumeException("MountVolume.SetUp failed for volume \"" + v.getName() + "\" : " + e.getMessage());
      }
    }
  }

  private void setUp(Pod pod, Volume v, String hostIp) throws IOException, VolumeException {
    String ns = pod.getMetadata().getNamespace();
    if (v.getEmptyDir() != null) {
      Path dir = Files.createDirectories(path(pod, v));
      Files.setPosixFilePermissions(dir, AtomicWriter.permissions(0777));
      if ("Memory".equals(v.getEmptyDir().getMedium())) Tmpfs.ensureMounted(dir, v.getEmptyDir().getSizeLimit());
    } else if (v.getHostPath() != null) {
      Path p = Path.of(v.getHostPath().getPath());
      String type = v.getHostPath().getType() == null ? "" : v.getHostPath().getType();
      switch (type) {
        case "DirectoryOrCreate" -> Files.createDirectories(p);
        case "FileOrCreate" -> {
          Files.createDirectories(p.getParent());
          if (!Files.exists(p)) Files.createFile(p);
        }
        case "Directory" -> require(Files.isDirectory(p), v, "hostPath type check failed: " + p + " is not a directory");
        case "File" -> require(Files.isRegularFile(p), v, "hostPath type check failed: " + p + " is not a file");
        case "Socket", "CharDevice", "BlockDevice" -> require(Files.exists(p), v, "hostPath type check failed: " + p + " does not exist");
        default -> { }
      }
    } else if (v.getConfigMap() != null) {
      var src = v.getConfigMap();
      ConfigMap cm = objects.configMap(ns, src.getName());
      if (cm == null && !Boolean.TRUE.equals(src.getOptional())) throw missing(v, "configmap \"" + src.getName() + "\" not found");
      int mode = src.getDefaultMode() == null ? DEFAULT_MODE : src.getDefaultMode();
      Map<String, VolumeFile> files = new LinkedHashMap<>();
      if (cm != null) addKeys(files, strings(cm.getData()), binaries(cm.getBinaryData()), src.getItems(), mode, v, src.getOptional());
      AtomicWriter.write(path(pod, v), files);
    } else if (v.getSecret() != null) {
      var src = v.getSecret();
      Secret s = objects.secret(ns, src.getSecretName());
      if (s == null && !Boolean.TRUE.equals(src.getOptional())) throw missing(v, "secret \"" + src.getSecretName() + "\" not found");
      int mode = src.getDefaultMode() == null ? DEFAULT_MODE : src.getDefaultMode();
      Map<String, VolumeFile> files = new LinkedHashMap<>();
      if (s != null) addKeys(files, Map.of(), binaries(s.getData()), src.getItems(), mode, v, src.getOptional());
      AtomicWriter.write(inMemory(path(pod, v)), files);
    } else if (v.getDownwardAPI() != null) {
      int mode = v.getDownwardAPI().getDefaultMode() == null ? DEFAULT_MODE : v.getDownwardAPI().getDefaultMode();
      Map<String, VolumeFile> files = new LinkedHashMap<>();
      addDownward(files, pod, v.getDownwardAPI().getItems(), mode, hostIp);
      AtomicWriter.write(inMemory(path(pod, v)), files);
    } else if (v.getProjected() != null) {
      int mode = v.getProjected().getDefaultMode() == null ? DEFAULT_MODE : v.getProjected().getDefaultMode();
      Map<String, VolumeFile> files = new LinkedHashMap<>();
      for (VolumeProjection p : v.getProjected().getSources()) {
        if (p.getConfigMap() != null) {
          ConfigMap cm = objects.configMap(ns, p.getConfigMap().getName());
          if (cm == null && !Boolean.TRUE.equals(p.getConfigMap().getOptional())) throw missing(v, "configmap \"" + p.getConfigMap().getName() + "\" not found");
          if (cm != null) addKeys(files, strings(cm.getData()), binaries(cm.getBinaryData()), p.getConfigMap().getItems(), mode, v, p.getConfigMap().getOptional());
        } else if (p.getSecret() != null) {
          Secret s = objects.secret(ns, p.getSecret().getName());
          if (s == null && !Boolean.TRUE.equals(p.getSecret().getOptional())) throw missing(v, "secret \"" + p.getSecret().getName() + "\" not found");
          if (s != null) addKeys(files, Map.of(), binaries(s.getData()), p.getSecret().getItems(), mode, v, p.getSecret().getOptional());
        } else if (p.getDownwardAPI() != null) {
          addDownward(files, pod, p.getDownwardAPI().getItems(), mode, hostIp);
        } else {
          throw new VolumeException("volume \"" + v.getName() + "\": this projected source is not supported yet (service account tokens come with security)");
        }
      }
      AtomicWriter.write(inMemory(path(pod, v)), files);
    } else {
      throw new VolumeException("volume \"" + v.getName() + "\": this volume type is not supported by this node yet "
          + "(supported: emptyDir, hostPath, configMap, secret, downwardAPI, projected)");
    }
  }

  /**
   * Secrets (and what may hold them: downwardAPI, projected) live on tmpfs, as the kubelet keeps
   * them, so they never reach the node's disk.
   */
  private static Path inMemory(Path dir) throws IOException {
    Files.createDirectories(dir);
    Tmpfs.ensureMounted(dir, null);
    return dir;
  }

  private static void require(boolean ok, Volume v, String message) throws VolumeException {
    if (!ok) throw new VolumeException("MountVolume.SetUp failed for volume \"" + v.getName() + "\" : " + message);
  }

  private static VolumeException missing(Volume v, String what) {
    return new VolumeException("MountVolume.SetUp failed for volume \"" + v.getName() + "\" : " + what);
  }

  private static Map<String, byte[]> strings(Map<String, String> data) {
    Map<String, byte[]> out = new LinkedHashMap<>();
    if (data != null) data.forEach((k, v) -> out.put(k, v.getBytes(StandardCharsets.UTF_8)));
    return out;
  }

  private static Map<String, byte[]> binaries(Map<String, String> base64) {
    Map<String, byte[]> out = new LinkedHashMap<>();
    if (base64 != null) base64.forEach((k, v) -> out.put(k, Base64.getDecoder().decode(v)));
    return out;
  }

  private static void addKeys(Map<String, VolumeFile> files, Map<String, byte[]> text, Map<String, byte[]> binary,
      List<KeyToPath> items, int mode, Volume v, Boolean optional) throws VolumeException {
    Map<String, byte[]> all = new LinkedHashMap<>(text);
    all.putAll(binary);
    if (items == null || items.isEmpty()) {
      all.forEach((k, data) -> files.put(k, new VolumeFile(data, mode)));
      return;
    }
    for (KeyToPath item : items) {
      byte[] data = all.get(item.getKey());
      if (data == null) {
        if (Boolean.TRUE.equals(optional)) continue;
        throw missing(v, "configmap references non-existent config key: " + item.getKey());
      }
      files.put(item.getPath(), new VolumeFile(data, item.getMode() == null ? mode : item.getMode()));
    }
  }

  private static void addDownward(Map<String, VolumeFile> files, Pod pod, List<DownwardAPIVolumeFile> items, int mode, String hostIp) {
    for (DownwardAPIVolumeFile item : items) {
      String value = "";
      if (item.getFieldRef() != null) value = DownwardApi.fieldValue(pod, item.getFieldRef().getFieldPath(), hostIp);
      else if (item.getResourceFieldRef() != null) {
        String cname = item.getResourceFieldRef().getContainerName();
        Container c = pod.getSpec().getContainers().stream().filter(x -> x.getName().equals(cname)).findFirst()
            .orElse(pod.getSpec().getContainers().get(0));
        value = DownwardApi.resourceValue(c, item.getResourceFieldRef().getResource(), item.getResourceFieldRef().getDivisor());
      }
      files.put(item.getPath(), new VolumeFile(value.getBytes(StandardCharsets.UTF_8), item.getMode() == null ? mode : item.getMode()));
    }
  }

  private Path path(Pod pod, Volume v) {
    if (v.getEmptyDir() != null) return emptyDir(pod.getMetadata().getUid(), v.getName());
    String plugin;
    if (v.getConfigMap() != null) plugin = "kubernetes.io~configmap";
    else if (v.getSecret() != null) plugin = "kubernetes.io~secret";
    else if (v.getDownwardAPI() != null) plugin = "kubernetes.io~downward-api";
    else plugin = "kubernetes.io~projected";
    return podDir(pod.getMetadata().getUid()).resolve("volumes").resolve(plugin).resolve(v.getName());
  }

  /** The CRI mounts for {@code container}'s volumeMounts; the projected kinds are always read-only. */
  public List<Mount> mounts(Pod pod, Container container) throws VolumeException {
    List<Mount> mounts = new ArrayList<>();
    for (VolumeMount vm : container.getVolumeMounts()) {
      Volume v = pod.getSpec().getVolumes().stream().filter(x -> x.getName().equals(vm.getName())).findFirst()
          .orElseThrow(() -> new VolumeException("volume \"" + vm.getName() + "\" not found in the pod's volumes"));
      Path host = v.getHostPath() != null ? Path.of(v.getHostPath().getPath()) : path(pod, v);
      if (vm.getSubPath() != null && !vm.getSubPath().isEmpty()) {
        Path sub = host.resolve(vm.getSubPath()).normalize();
        if (!sub.startsWith(host)) throw new VolumeException("subPath \"" + vm.getSubPath() + "\" must not leave the volume");
        try {
          if (!Files.exists(sub)) Files.createDirectories(sub);
        } catch (IOException e) {
          throw new VolumeException("cannot create subPath " + vm.getSubPath() + ": " + e.getMessage());
        }
        host = sub;
      }
      boolean projected = v.getConfigMap() != null || v.getSecret() != null || v.getDownwardAPI() != null || v.getProjected() != null;
      MountPropagation propagation = switch (vm.getMountPropagation() == null ? "" : vm.getMountPropagation()) {
        case "HostToContainer" -> MountPropagation.PROPAGATION_HOST_TO_CONTAINER;
        case "Bidirectional" -> MountPropagation.PROPAGATION_BIDIRECTIONAL;
        default -> MountPropagation.PROPAGATION_PRIVATE;
      };
      mounts.add(Mount.newBuilder().setContainerPath(vm.getMountPath()).setHostPath(host.toString())
          .setReadonly(projected || Boolean.TRUE.equals(vm.getReadOnly())).setPropagation(propagation).build());
    }
    return mounts;
  }

  /** Removes everything the pod had on the node (tmpfs mounts first). */
  public void tearDown(String uid) {
    Path dir = podDir(uid);
    try {
      Tmpfs.unmountUnder(dir);
      AtomicWriter.deleteRecursively(dir);
    } catch (IOException e) {
      LOG.warn("pod directory not removed: uid={} error={}", uid, e.toString());
    }
  }
}
