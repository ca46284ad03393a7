package io.gubernator.controllers.deployment;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentCondition;
import io.fabric8.kubernetes.api.model.apps.DeploymentConditionBuilder;
import io.fabric8.kubernetes.api.model.apps.DeploymentStatus;
import io.fabric8.kubernetes.api.model.apps.ReplicaSet;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/** Kubernetes' {@code pkg/controller/deployment/util}: hashing, revisions, surge/unavailable arithmetic, conditions. */
final class DeploymentUtil {

  static final String HASH_LABEL = "pod-template-hash";
  static final String REVISION = "deployment.kubernetes.io/revision";
  static final String REVISION_HISTORY = "deployment.kubernetes.io/revision-history";
  static final String DESIRED_REPLICAS = "deployment.kubernetes.io/desired-replicas";
  static final String MAX_REPLICAS = "deployment.kubernetes.io/max-replicas";
  static final String LAST_APPLIED = "kubectl.kubernetes.io/last-applied-configuration";
  /** Alphabet of {@code rand.SafeEncodeString}: no vowels, no look-alikes, so hashes never spell words. */
  private static final String SAFE = "bcdfghjklmnpqrstvwxz2456789";

  private static final ObjectMapper MAPPER = new ObjectMapper();

  private DeploymentUtil() {}

  static int replicas(Deployment d) {
    return d.getSpec().getReplicas() == null ? 1 : d.getSpec().getReplicas();
  }

  static int replicas(ReplicaSet rs) {
    return rs.getSpec().getReplicas() == null ? 0 : rs.getSpec().getReplicas();
  }

  static int statusReplicas(ReplicaSet rs) {
    return rs.getStatus() == null || rs.getStatus().getReplicas() == null ? 0 : rs.getStatus().getReplicas();
  }

  static int ready(ReplicaSet rs) {
    return rs.getStatus() == null || rs.getStatus().getReadyReplicas() == null ? 0 : rs.getStatus().getReadyReplicas();
  }

  static int available(ReplicaSet rs) {
    return rs.getStatus() == null || rs.getStatus().getAvailableReplicas() == null ? 0 : rs.getStatus().getAvailableReplicas();
  }

  static boolean isRecreate(Deployment d) {
    return d.getSpec().getStrategy() != null && "Recreate".equals(d.getSpec().getStrategy().getType());
  }

  /**
   * {@code ComputeHash}: FNV-32a over the template and the collision count, safe-encoded. The
   * template is hashed as canonical JSON (sorted keys) rather than Go's spew dump, so the values
   * differ from Kubernetes' but are as stable: the same template always gets the same name.
   */
  static String computeHash(PodTemplateSpec template, Integer collisionCount) {
    JsonNode tree = canonical(MAPPER.valueToTree(template));
    byte[] bytes = tree.toString().getBytes(StandardCharsets.UTF_8);
    int h = 0x811c9dc5;
    for (byte b : bytes) {
      h ^= (b & 0xff);
      h *= 0x01000193;
    }
    if (collisionCount != null) {
      int c = collisionCount;
      for (int i = 0; i < 4; i++) {
        h ^= (c >>> (8 * i)) & 0xff;
        h *= 0x01000193;
      }
    }
    String decimal = Integer.toUnsignedString(h);
    StringBuilder out = new StringBuilder(decimal.length());
    for (char ch : decimal.toCharArray()) out.append(SAFE.charAt(ch % SAFE.length()));
    return out.toString();
  }

  private static JsonNode canonical(JsonNode n) {
    if (n instanceof ObjectNode o) {
      TreeMap<String, JsonNode> sorted = new TreeMap<>();
      for (Iterator<Map.Entry<String, JsonNode>> it = o.fields(); it.hasNext(); ) {
        Map.Entry<String, JsonNode> e = it.next();
        if (!e.getValue().isNull()) sorted.put(e.getKey(), canonical(e.getValue()));
      }
      ObjectNode out = MAPPER.createObjectNode();
      sorted.forEach(out::set);
      return out;
    }
    if (n instanceof ArrayNode a) {
      ArrayNode out = MAPPER.createArrayNode();
      a.forEach(e -> out.add(canonical(e)));
      return out;
    }
    return n;
  }

  /** {@code EqualIgnoreHash}: the templates are equal once the pod-template-hash label is ignored. */
  static boolean equalIgnoreHash(PodTemplateSpec a, PodTemplateSpec b) {
    return withoutHash(a).equals(withoutHash(b));
  }

  private static JsonNode withoutHash(PodTemplateSpec t) {
    JsonNode tree = canonical(MAPPER.valueToTree(t));
    JsonNode labels = tree.path("metadata").path("labels");
    if (labels instanceof ObjectNode l) {
      l.remove(HASH_LABEL);
      if (l.isEmpty()) ((ObjectNode) tree.get("metadata")).remove("labels");
    }
    JsonNode meta = tree.path("metadata");
    if (meta instanceof ObjectNode m && m.isEmpty()) ((ObjectNode) tree).remove("metadata");
    return tree;
  }

  static long revision(ReplicaSet rs) {
    Map<String, String> a = rs.getMetadata().getAnnotations();
    if (a == null || a.get(REVISION) == null) return 0;
    try {
      return Long.parseLong(a.get(REVISION));
    } catch (NumberFormatException e) {
      return 0;
    }
  }

  static long maxRevision(List<ReplicaSet> all) {
    return all.stream().mapToLong(DeploymentUtil::revision).max().orElse(0);
  }

  /** {@code ResolveFenceposts}: maxSurge rounds up, maxUnavailable down; both zero would stall, so unavailable becomes 1. */
  static int[] surgeAndUnavailable(Deployment d) {
    if (isRecreate(d)) return new int[] {0, 0};
    var ru = d.getSpec().getStrategy() == null ? null : d.getSpec().getStrategy().getRollingUpdate();
    IntOrString surge = ru == null || ru.getMaxSurge() == null ? new IntOrString("25%") : ru.getMaxSurge();
    IntOrString unavailable = ru == null || ru.getMaxUnavailable() == null ? new IntOrString("25%") : ru.getMaxUnavailable();
    int desired = replicas(d);
    int s = scaled(surge, desired, true);
    int u = scaled(unavailable, desired, false);
    if (s == 0 && u == 0) u = 1;
    return new int[] {s, u};
  }

  /** {@code MaxUnavailable}: never more than the desired replicas. */
  static int maxUnavailable(Deployment d) {
    if (isRecreate(d) || replicas(d) == 0) return 0;
    return Math.min(surgeAndUnavailable(d)[1], replicas(d));
  }

  static int maxSurge(Deployment d) {
    return isRecreate(d) ? 0 : surgeAndUnavailable(d)[0];
  }

  private static int scaled(IntOrString v, int total, boolean roundUp) {
    if (v.getIntVal() != null) return v.getIntVal();
    String s = v.getStrVal();
    if (s == null || !s.endsWith("%")) throw new IllegalArgumentException("invalid value for IntOrString: " + s);
    double pct = Integer.parseInt(s.substring(0, s.length() - 1)) * total / 100.0;
    return (int) (roundUp ? Math.ceil(pct) : Math.floor(pct));
  }

  /** {@code NewRSNewReplicas}: how big the new ReplicaSet may be now without exceeding desired + maxSurge pods. */
  static int newRSNewReplicas(Deployment d, List<ReplicaSet> all, ReplicaSet newRS) {
    if (isRecreate(d)) return replicas(d);
    int current = all.stream().mapToInt(DeploymentUtil::replicas).sum();
    int maxTotal = replicas(d) + maxSurge(d);
    if (current >= maxTotal) return replicas(newRS);
    int scaleUp = Math.min(maxTotal - current, replicas(d) - replicas(newRS));
    return replicas(newRS) + scaleUp;
  }

  static String now() {
    return Instant.now().truncatedTo(ChronoUnit.SECONDS).toString();
  }

  static DeploymentCondition condition(DeploymentStatus status, String type) {
    if (status == null || status.getConditions() == null) return null;
    return status.getConditions().stream().filter(c -> type.equals(c.getType())).findFirst().orElse(null);
  }

  /** {@code SetDeploymentCondition}: replaces the condition of that type; keeps lastTransitionTime when the status did not flip. */
  static void setCondition(DeploymentStatus status, String type, String value, String reason, String message) {
    List<DeploymentCondition> conditions = status.getConditions() == null ? new ArrayList<>() : new ArrayList<>(status.getConditions());
    DeploymentCondition existing = condition(status, type);
    if (existing != null && Objects.equals(existing.getStatus(), value) && Objects.equals(existing.getReason(), reason)) {
      if (Objects.equals(existing.getMessage(), message)) return;
    }
    String now = now();
    String transition = existing != null && Objects.equals(existing.getStatus(), value) ? existing.getLastTransitionTime() : now;
    conditions.removeIf(c -> type.equals(c.getType()));
    conditions.add(new DeploymentConditionBuilder().withType(type).withStatus(value).withReason(reason).withMessage(message)
        .withLastUpdateTime(now).withLastTransitionTime(transition).build());
    status.setConditions(conditions);
  }

  static void removeCondition(DeploymentStatus status, String type) {
    if (status.getConditions() == null) return;
    List<DeploymentCondition> conditions = new ArrayList<>(status.getConditions());
    conditions.removeIf(c -> type.equals(c.getType()));
    status.setConditions(conditions);
  }
}
