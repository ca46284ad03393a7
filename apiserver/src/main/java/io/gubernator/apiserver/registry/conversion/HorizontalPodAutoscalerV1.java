package io.gubernator.apiserver.registry.conversion;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.gubernator.api.serialization.Json;
import io.gubernator.apiserver.registry.VersionConversion;

/**
 * autoscaling/v1 HorizontalPodAutoscalers over objects stored as autoscaling/v2. What v1 cannot
 * express (other metrics, behavior, conditions) rides along in annotations, as Kubernetes does, so
 * a v1 round trip loses nothing.
 */
public final class HorizontalPodAutoscalerV1 implements VersionConversion {

  static final String METRICS = "autoscaling.alpha.kubernetes.io/metrics";
  static final String BEHAVIOR = "autoscaling.alpha.kubernetes.io/behavior";
  static final String CONDITIONS = "autoscaling.alpha.kubernetes.io/conditions";
  static final String CURRENT_METRICS = "autoscaling.alpha.kubernetes.io/current-metrics";

  @Override
  public ObjectNode fromStorage(ObjectNode stored) {
    ObjectNode v1 = stored.deepCopy();
    v1.put("apiVersion", "autoscaling/v1");
    JsonNode spec = stored.path("spec");
    ObjectNode annotations = v1.with("metadata").with("annotations");
    ObjectNode s1 = Json.MAPPER.createObjectNode();
    copy(spec, s1, "scaleTargetRef", "minReplicas", "maxReplicas");
    ArrayNode others = Json.MAPPER.createArrayNode();
    for (JsonNode m : spec.path("metrics")) {
      if (isCpuUtilization(m)) s1.put("targetCPUUtilizationPercentage", m.at("/resource/target/averageUtilization").asInt());
      else others.add(m);
    }
    if (!others.isEmpty()) annotations.put(METRICS, others.toString());
    if (spec.has("behavior")) annotations.put(BEHAVIOR, spec.get("behavior").toString());
    v1.set("spec", s1);
    JsonNode status = stored.path("status");
    if (!status.isMissingNode()) {
      ObjectNode st1 = Json.MAPPER.createObjectNode();
      copy(status, st1, "observedGeneration", "lastScaleTime", "currentReplicas", "desiredReplicas");
      ArrayNode current = Json.MAPPER.createArrayNode();
      for (JsonNode m : status.path("currentMetrics")) {
        if ("Resource".equals(m.path("type").asText()) && "cpu".equals(m.at("/resource/name").asText())
            && m.at("/resource/current").has("averageUtilization")) {
          st1.put("currentCPUUtilizationPercentage", m.at("/resource/current/averageUtilization").asInt());
        } else {
          current.add(m);
        }
      }
      if (!current.isEmpty()) annotations.put(CURRENT_METRICS, current.toString());
      if (status.path("conditions").size() > 0) annotations.put(CONDITIONS, status.get("conditions").toString());
      v1.set("status", st1);
    }
    if (annotations.isEmpty()) ((ObjectNode) v1.get("metadata")).remove("annotations");
    return v1;
  }

  @Override
  public ObjectNode toStorage(ObjectNode served) {
    ObjectNode v2 = served.deepCopy();
    v2.put("apiVersion", "autoscaling/v2");
    ObjectNode meta = v2.with("metadata");
    JsonNode annotations = meta.path("annotations");
    JsonNode spec = served.path("spec");
    ObjectNode s2 = Json.MAPPER.createObjectNode();
    copy(spec, s2, "scaleTargetRef", "minReplicas", "maxReplicas");
    ArrayNode metrics = s2.putArray("metrics");
    if (spec.has("targetCPUUtilizationPercentage")) {
      ObjectNode m = metrics.addObject().put("type", "Resource");
      ObjectNode r = m.putObject("resource").put("name", "cpu");
      r.putObject("target").put("type", "Utilization").put("averageUtilization", spec.get("targetCPUUtilizationPercentage").asInt());
    }
    JsonNode other = parse(annotations.path(METRICS).asText(null));
    if (other != null) other.forEach(metrics::add);
    if (metrics.isEmpty()) s2.remove("metrics");
    JsonNode behavior = parse(annotations.path(BEHAVIOR).asText(null));
    if (behavior != null) s2.set("behavior", behavior);
    v2.set("spec", s2);
    JsonNode status = served.path("status");
    if (!status.isMissingNode()) {
      ObjectNode st2 = Json.MAPPER.createObjectNode();
      copy(status, st2, "observedGeneration", "lastScaleTime", "currentReplicas", "desiredReplicas");
      ArrayNode current = Json.MAPPER.createArrayNode();
      if (status.has("currentCPUUtilizationPercentage")) {
        ObjectNode m = current.addObject().put("type", "Resource");
        m.putObject("resource").put("name", "cpu").putObject("current")
            .put("averageUtilization", status.get("currentCPUUtilizationPercentage").asInt());
      }
      JsonNode currentOther = parse(annotations.path(CURRENT_METRICS).asText(null));
      if (currentOther != null) currentOther.forEach(current::add);
      if (!current.isEmpty()) st2.set("currentMetrics", current);
      JsonNode conditions = parse(annotations.path(CONDITIONS).asText(null));
      if (conditions != null) st2.set("conditions", conditions);
      v2.set("status", st2);
    }
    if (annotations instanceof ObjectNode a) {
      a.remove(java.util.List.of(METRICS, BEHAVIOR, CONDITIONS, CURRENT_METRICS));
      if (a.isEmpty()) meta.remove("annotations");
    }
    return v2;
  }

  private static boolean isCpuUtilization(JsonNode m) {
    return "Resource".equals(m.path("type").asText()) && "cpu".equals(m.at("/resource/name").asText())
        && "Utilization".equals(m.at("/resource/target/type").asText());
  }

  private static void copy(JsonNode from, ObjectNode to, String... fields) {
    for (String f : fields) if (from.has(f)) to.set(f, from.get(f));
  }

  private static JsonNode parse(String json) {
    if (json == null || json.isEmpty()) return null;
    try {
      return Json.MAPPER.readTree(json);
    } catch (Exception e) {
      return null;
    }
  }
}
