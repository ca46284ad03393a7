package io.gubernator.kubelet.config;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Static pods: Pod manifests (YAML or JSON) in a directory on the node, run by the kubelet without
 * the API server. As Kubernetes' file source does, each gets the name {@code <name>-<node>}, a
 * UID derived from its content and the node (so an unchanged file keeps its running pod across
 * restarts, and an edited one replaces it), and the config annotations that mark it as
 * file-sourced. The API shows each through a mirror pod.
 */
public final class StaticPods {

  public static final String CONFIG_SOURCE = "kubernetes.io/config.source";
  public static final String CONFIG_HASH = "kubernetes.io/config.hash";
  public static final String CONFIG_MIRROR = "kubernetes.io/config.mirror";
  public static final String CONFIG_SEEN = "kubernetes.io/config.seen";

  private static final Logger LOG = LoggerFactory.getLogger(StaticPods.class);

  private StaticPods() {}

  /** The static pods in {@code dir} by UID; unreadable or invalid files are skipped with a warning. */
  public static Map<String, Pod> read(Path dir, String nodeName) {
    Map<String, Pod> pods = new LinkedHashMap<>();
    if (!Files.isDirectory(dir)) return pods;
    List<Path> files;
    try (Stream<Path> list = Files.list(dir)) {
      files = list.filter(p -> !p.getFileName().toString().startsWith(".") && Files.isRegularFile(p)).sorted().toList();
    } catch (IOException e) {
      LOG.warn("cannot list static pod manifests: dir={} error={}", dir, e.toString());
      return pods;
    }
    for (Path file : files) {
      try {
        String text = Files.readString(file, StandardCharsets.UTF_8);
        Object parsed = Serialization.unmarshal(text);
        if (!(parsed instanceof Pod pod) || pod.getMetadata() == null || pod.getMetadata().getName() == null || pod.getSpec() == null) {
          LOG.warn("static pod manifest is not a Pod: file={}", file);
          continue;
        }
        Pod p = normalize(pod, nodeName, text);
        pods.put(p.getMetadata().getUid(), p);
      } catch (IOException | RuntimeException e) {
        LOG.warn("static pod manifest skipped: file={} error={}", file, e.toString());
      }
    }
    return pods;
  }

  static Pod normalize(Pod pod, String nodeName, String source) {
    String hash = hash(nodeName + "\n" + source);
    String ns = pod.getMetadata().getNamespace() == null || pod.getMetadata().getNamespace().isEmpty()
        ? "default" : pod.getMetadata().getNamespace();
    Pod p = new PodBuilder(pod).editMetadata()
        .withName(pod.getMetadata().getName() + "-" + nodeName).withNamespace(ns).withUid(hash)
        .addToAnnotations(CONFIG_SOURCE, "file").addToAnnotations(CONFIG_HASH, hash)
        .endMetadata().editSpec().withNodeName(nodeName).endSpec().build();
    // The defaults the API server would have applied to a pod it admitted.
    var spec = p.getSpec();
    if (spec.getRestartPolicy() == null) spec.setRestartPolicy("Always");
    if (spec.getTerminationGracePeriodSeconds() == null) spec.setTerminationGracePeriodSeconds(30L);
    if (spec.getDnsPolicy() == null) spec.setDnsPolicy("ClusterFirst");
    for (var c : spec.getContainers()) {
      if (c.getImagePullPolicy() == null) {
        c.setImagePullPolicy(c.getImage() != null && (c.getImage().endsWith(":latest") || !c.getImage().contains(":")) ? "Always" : "IfNotPresent");
      }
      if (c.getTerminationMessagePath() == null) c.setTerminationMessagePath("/dev/termination-log");
    }
    return p;
  }

  public static boolean isMirror(HasMetadata pod) {
    var a = pod.getMetadata().getAnnotations();
    return a != null && a.containsKey(CONFIG_MIRROR);
  }

  /** The API object that shows a static pod: the same pod, marked as a mirror and owned by the Node. */
  public static Pod mirror(Pod staticPod, String nodeUid) {
    PodBuilder b = new PodBuilder(staticPod).withStatus(null).editMetadata().withUid(null).withResourceVersion(null)
        .addToAnnotations(CONFIG_MIRROR, staticPod.getMetadata().getAnnotations().get(CONFIG_HASH)).endMetadata();
    if (nodeUid != null) {
      b.editMetadata().addNewOwnerReference().withApiVersion("v1").withKind("Node").withName(staticPod.getSpec().getNodeName())
          .withUid(nodeUid).withController(true).endOwnerReference().endMetadata();
    }
    return b.build();
  }

  static String hash(String text) {
    try {
      byte[] d = MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
      return HexFormat.of().formatHex(d, 0, 16);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
