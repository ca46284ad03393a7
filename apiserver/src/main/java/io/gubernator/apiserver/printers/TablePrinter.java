package io.gubernator.apiserver.printers;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.gubernator.api.serialization.Json;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * Server-side printing ({@code as=Table}): the columns {@code kubectl get} shows for each resource,
 * with Kubernetes' names, and the wide ({@code priority 1}) columns of {@code -o wide}.
 */
public final class TablePrinter {

  /** One column: header, OpenAPI type and format, priority (0 default, 1 wide), and the cell value. */
  record Column(String name, String type, String format, int priority, Function<JsonNode, Object> cell) {}

  private static final Column NAME = new Column("Name", "string", "name", 0, o -> o.path("metadata").path("name").asText());
  private static final Column AGE = new Column("Age", "string", "", 0, o -> age(o.path("metadata").path("creationTimestamp").asText(null)));

  private static final Map<String, List<Column>> COLUMNS = Map.ofEntries(
      Map.entry("core/namespaces", List.of(NAME, col("Status", o -> o.path("status").path("phase").asText("")), AGE)),
      Map.entry("core/pods", List.of(NAME, col("Ready", TablePrinter::podReady), col("Status", PodStatus::reason),
          intCol("Restarts", TablePrinter::podRestarts), AGE,
          wide("IP", o -> orNone(o.path("status").path("podIP").asText(""))),
          wide("Node", o -> orNone(o.path("spec").path("nodeName").asText(""))),
          wide("Nominated Node", o -> orNone(o.path("status").path("nominatedNodeName").asText(""))),
          wide("Readiness Gates", o -> o.path("spec").path("readinessGates").isEmpty() ? "<none>" : String.valueOf(o.path("spec").path("readinessGates").size())))),
      Map.entry("core/nodes", List.of(NAME, col("Status", TablePrinter::nodeStatus), col("Roles", TablePrinter::nodeRoles), AGE,
          col("Version", o -> o.path("status").path("nodeInfo").path("kubeletVersion").asText("")),
          wide("Internal-IP", o -> nodeAddress(o, "InternalIP")), wide("External-IP", o -> nodeAddress(o, "ExternalIP")),
          wide("OS-Image", o -> o.path("status").path("nodeInfo").path("osImage").asText("<unknown>")),
          wide("Kernel-Version", o -> o.path("status").path("nodeInfo").path("kernelVersion").asText("<unknown>")),
          wide("Container-Runtime", o -> o.path("status").path("nodeInfo").path("containerRuntimeVersion").asText("<unknown>")))),
      Map.entry("core/services", List.of(NAME, col("Type", o -> o.path("spec").path("type").asText("ClusterIP")),
          col("Cluster-IP", o -> orNone(o.path("spec").path("clusterIP").asText(""))), col("External-IP", TablePrinter::externalIps),
          col("Port(s)", TablePrinter::servicePorts), AGE, wide("Selector", o -> selector(o.path("spec").path("selector"))))),
      Map.entry("core/endpoints", List.of(NAME, col("Endpoints", TablePrinter::endpoints), AGE)),
      Map.entry("core/configmaps", List.of(NAME, intCol("Data", o -> o.path("data").size() + o.path("binaryData").size()), AGE)),
      Map.entry("core/secrets", List.of(NAME, col("Type", o -> o.path("type").asText("Opaque")), intCol("Data", o -> o.path("data").size()), AGE)),
      Map.entry("core/serviceaccounts", List.of(NAME, intCol("Secrets", o -> o.path("secrets").size()), AGE)),
      Map.entry("core/events", List.of(col("Last Seen", TablePrinter::lastSeen), col("Type", o -> o.path("type").asText("")),
          col("Reason", o -> o.path("reason").asText("")), col("Object", TablePrinter::involvedObject),
          col("Message", o -> o.path("message").asText("").strip()))),
      Map.entry("core/replicationcontrollers", List.of(NAME, intCol("Desired", o -> o.path("spec").path("replicas").asInt(1)),
          intCol("Current", o -> o.path("status").path("replicas").asInt()), intCol("Ready", o -> o.path("status").path("readyReplicas").asInt()), AGE)),
      Map.entry("core/persistentvolumeclaims", List.of(NAME, col("Status", o -> o.path("status").path("phase").asText("")),
          col("Volume", o -> o.path("spec").path("volumeName").asText("")),
          col("Capacity", o -> o.path("status").path("capacity").path("storage").asText("")),
          col("Access Modes", o -> accessModes(o.path("status").path("accessModes"))),
          col("StorageClass", o -> o.path("spec").path("storageClassName").asText("<unset>")), AGE)),
      Map.entry("core/persistentvolumes", List.of(NAME, col("Capacity", o -> o.path("spec").path("capacity").path("storage").asText("")),
          col("Access Modes", o -> accessModes(o.path("spec").path("accessModes"))),
          col("Reclaim Policy", o -> o.path("spec").path("persistentVolumeReclaimPolicy").asText("")),
          col("Status", o -> o.path("status").path("phase").asText("")),
          col("Claim", o -> o.path("spec").path("claimRef").isMissingNode() ? "" : o.path("spec").path("claimRef").path("namespace").asText() + "/" + o.path("spec").path("claimRef").path("name").asText()),
          col("StorageClass", o -> o.path("spec").path("storageClassName").asText("")), AGE)),
      Map.entry("apps/deployments", List.of(NAME,
          col("Ready", o -> o.path("status").path("readyReplicas").asInt() + "/" + o.path("spec").path("replicas").asInt(1)),
          intCol("Up-to-date", o -> o.path("status").path("updatedReplicas").asInt()),
          intCol("Available", o -> o.path("status").path("availableReplicas").asInt()), AGE,
          wide("Containers", o -> containerNames(o.path("spec").path("template"))), wide("Images", o -> images(o.path("spec").path("template"))),
          wide("Selector", o -> labelSelector(o.path("spec").path("selector"))))),
      Map.entry("apps/replicasets", List.of(NAME, intCol("Desired", o -> o.path("spec").path("replicas").asInt(1)),
          intCol("Current", o -> o.path("status").path("replicas").asInt()), intCol("Ready", o -> o.path("status").path("readyReplicas").asInt()), AGE,
          wide("Containers", o -> containerNames(o.path("spec").path("template"))), wide("Images", o -> images(o.path("spec").path("template"))),
          wide("Selector", o -> labelSelector(o.path("spec").path("selector"))))),
      Map.entry("apps/statefulsets", List.of(NAME,
          col("Ready", o -> o.path("status").path("readyReplicas").asInt() + "/" + o.path("spec").path("replicas").asInt(1)), AGE,
          wide("Containers", o -> containerNames(o.path("spec").path("template"))), wide("Images", o -> images(o.path("spec").path("template"))))),
      Map.entry("apps/daemonsets", List.of(NAME, intCol("Desired", o -> o.path("status").path("desiredNumberScheduled").asInt()),
          intCol("Current", o -> o.path("status").path("currentNumberScheduled").asInt()), intCol("Ready", o -> o.path("status").path("numberReady").asInt()),
          intCol("Up-to-date", o -> o.path("status").path("updatedNumberScheduled").asInt()),
          intCol("Available", o -> o.path("status").path("numberAvailable").asInt()),
          col("Node Selector", o -> selector(o.path("spec").path("template").path("spec").path("nodeSelector"))), AGE,
          wide("Containers", o -> containerNames(o.path("spec").path("template"))), wide("Images", o -> images(o.path("spec").path("template"))),
          wide("Selector", o -> labelSelector(o.path("spec").path("selector"))))),
      Map.entry("batch/jobs", List.of(NAME, col("Status", TablePrinter::jobStatus),
          col("Completions", o -> o.path("status").path("succeeded").asInt() + "/" + o.path("spec").path("completions").asInt(1)),
          col("Duration", TablePrinter::jobDuration), AGE,
          wide("Containers", o -> containerNames(o.path("spec").path("template"))), wide("Images", o -> images(o.path("spec").path("template"))),
          wide("Selector", o -> labelSelector(o.path("spec").path("selector"))))),
      Map.entry("batch/cronjobs", List.of(NAME, col("Schedule", o -> o.path("spec").path("schedule").asText("")),
          col("Timezone", o -> o.path("spec").path("timeZone").asText("<none>")),
          col("Suspend", o -> String.valueOf(o.path("spec").path("suspend").asBoolean(false))),
          intCol("Active", o -> o.path("status").path("active").size()),
          col("Last Schedule", o -> age(o.path("status").path("lastScheduleTime").asText(null))), AGE)),
      Map.entry("autoscaling/horizontalpodautoscalers", List.of(NAME,
          col("Reference", o -> o.path("spec").path("scaleTargetRef").path("kind").asText() + "/" + o.path("spec").path("scaleTargetRef").path("name").asText()),
          col("Targets", TablePrinter::hpaTargets),
          col("MinPods", o -> o.path("spec").path("minReplicas").asText("<unset>")),
          intCol("MaxPods", o -> o.path("spec").path("maxReplicas").asInt()),
          intCol("Replicas", o -> o.path("status").path("currentReplicas").asInt()), AGE)),
      Map.entry("discovery.k8s.io/endpointslices", List.of(NAME, col("AddressType", o -> o.path("addressType").asText("")),
          col("Ports", TablePrinter::slicePorts), col("Endpoints", TablePrinter::sliceEndpoints), AGE)),
      Map.entry("coordination.k8s.io/leases", List.of(NAME, col("Holder", o -> o.path("spec").path("holderIdentity").asText("")), AGE)),
      Map.entry("networking.k8s.io/ingresses", List.of(NAME, col("Class", o -> o.path("spec").path("ingressClassName").asText("<none>")),
          col("Hosts", TablePrinter::ingressHosts), col("Address", o -> ""), col("Ports", o -> o.path("spec").path("tls").isEmpty() ? "80" : "80, 443"), AGE)),
      Map.entry("policy/poddisruptionbudgets", List.of(NAME,
          col("Min Available", o -> o.path("spec").path("minAvailable").asText("N/A")),
          col("Max Unavailable", o -> o.path("spec").path("maxUnavailable").asText("N/A")),
          intCol("Allowed Disruptions", o -> o.path("status").path("disruptionsAllowed").asInt()), AGE)),
      Map.entry("scheduling.k8s.io/priorityclasses", List.of(NAME, intCol("Value", o -> o.path("value").asInt()),
          col("Global-Default", o -> String.valueOf(o.path("globalDefault").asBoolean(false))), AGE)),
      Map.entry("storage.k8s.io/storageclasses", List.of(NAME, col("Provisioner", o -> o.path("provisioner").asText("")),
          col("ReclaimPolicy", o -> o.path("reclaimPolicy").asText("Delete")),
          col("VolumeBindingMode", o -> o.path("volumeBindingMode").asText("Immediate")),
          col("AllowVolumeExpansion", o -> String.valueOf(o.path("allowVolumeExpansion").asBoolean(false))), AGE)));

  /** Kubernetes' default for resources without their own columns. */
  private static final List<Column> DEFAULT = List.of(NAME,
      new Column("Created At", "date", "", 0, o -> o.path("metadata").path("creationTimestamp").asText("")));

  private TablePrinter() {}

  private static Column col(String name, Function<JsonNode, Object> cell) {
    return new Column(name, "string", "", 0, cell);
  }

  private static Column intCol(String name, Function<JsonNode, Object> cell) {
    return new Column(name, "integer", "", 0, cell);
  }

  private static Column wide(String name, Function<JsonNode, Object> cell) {
    return new Column(name, "string", "", 1, cell);
  }

  /**
   * A Table of {@code objects}; {@code includeObject} is None, Metadata (the default) or Object.
   * {@code withColumns} false leaves out the column definitions (watch events after the first).
   */
  public static ObjectNode table(String storageKey, List<ObjectNode> objects, String resourceVersion,
      String continueToken, Long remaining, String includeObject, boolean withColumns) {
    return table(storageKey, objects, resourceVersion, continueToken, remaining, includeObject, withColumns, o -> o);
  }

  /**
   * As above, for objects served in another version than the stored one: {@code toStored} gives the
   * form the columns read (they are written for the storage version); rows embed the served object.
   */
  public static ObjectNode table(String storageKey, List<ObjectNode> objects, String resourceVersion,
      String continueToken, Long remaining, String includeObject, boolean withColumns,
      java.util.function.UnaryOperator<ObjectNode> toStored) {
    List<Column> columns = COLUMNS.getOrDefault(storageKey, DEFAULT);
    ObjectNode table = Json.MAPPER.createObjectNode().put("kind", "Table").put("apiVersion", "meta.k8s.io/v1");
    ObjectNode meta = table.putObject("metadata");
    if (resourceVersion != null) meta.put("resourceVersion", resourceVersion);
    if (continueToken != null) meta.put("continue", continueToken);
    if (remaining != null) meta.put("remainingItemCount", remaining);
    ArrayNode defs = table.putArray("columnDefinitions");
    if (withColumns) {
      for (Column c : columns) {
        defs.addObject().put("name", c.name()).put("type", c.type()).put("format", c.format())
            .put("description", c.name()).put("priority", c.priority());
      }
    }
    ArrayNode rows = table.putArray("rows");
    for (ObjectNode o : objects) {
      ObjectNode printed = toStored.apply(o);
      ObjectNode row = rows.addObject();
      ArrayNode cells = row.putArray("cells");
      for (Column c : columns) {
        Object v;
        try {
          v = c.cell().apply(printed);
        } catch (RuntimeException e) {
          v = "<unknown>";
        }
        if (v instanceof Integer i) cells.add(i);
        else if (v instanceof Long l) cells.add(l);
        else cells.add(String.valueOf(v));
      }
      String mode = includeObject == null || includeObject.isEmpty() ? "Metadata" : includeObject;
      switch (mode) {
        case "Object" -> row.set("object", o);
        case "None" -> { }
        default -> {
          ObjectNode partial = row.putObject("object").put("kind", "PartialObjectMetadata").put("apiVersion", "meta.k8s.io/v1");
          partial.set("metadata", o.path("metadata"));
        }
      }
    }
    return table;
  }

  // ------------------------------------------------------------ cells

  /** Kubernetes' HumanDuration: coarser the older it gets. */
  public static String age(String timestamp) {
    if (timestamp == null || timestamp.isEmpty()) return "<unknown>";
    try {
      return humanDuration(Duration.between(Instant.parse(timestamp), Instant.now()));
    } catch (RuntimeException e) {
      return "<unknown>";
    }
  }

  public static String humanDuration(Duration d) {
    long s = Math.max(0, d.getSeconds());
    if (s < 120) return s + "s";
    long m = s / 60;
    if (m < 10) return s % 60 == 0 ? m + "m" : m + "m" + (s % 60) + "s";
    if (m < 180) return m + "m";
    long h = m / 60;
    if (h < 8) return m % 60 == 0 ? h + "h" : h + "h" + (m % 60) + "m";
    if (h < 48) return h + "h";
    if (h < 24 * 8) return h % 24 == 0 ? (h / 24) + "d" : (h / 24) + "d" + (h % 24) + "h";
    if (h < 24 * 365 * 2) return (h / 24) + "d";
    long y = h / 24 / 365;
    if (y < 8) return (h / 24 % 365) == 0 ? y + "y" : y + "y" + (h / 24 % 365) + "d";
    return y + "y";
  }

  private static String orNone(String s) {
    return s.isEmpty() ? "<none>" : s;
  }

  private static String podReady(JsonNode o) {
    int total = o.path("spec").path("containers").size();
    int ready = 0;
    for (JsonNode s : o.path("status").path("containerStatuses")) if (s.path("ready").asBoolean()) ready++;
    return ready + "/" + total;
  }

  private static Object podRestarts(JsonNode o) {
    int restarts = 0;
    for (JsonNode s : o.path("status").path("containerStatuses")) restarts += s.path("restartCount").asInt();
    return restarts;
  }

  private static String nodeStatus(JsonNode o) {
    String status = "Unknown";
    for (JsonNode c : o.path("status").path("conditions")) {
      if (c.path("type").asText().equals("Ready")) status = c.path("status").asText().equals("True") ? "Ready" : "NotReady";
    }
    if (o.path("spec").path("unschedulable").asBoolean(false)) status += ",SchedulingDisabled";
    return status;
  }

  private static String nodeRoles(JsonNode o) {
    List<String> roles = new ArrayList<>();
    o.path("metadata").path("labels").fieldNames().forEachRemaining(k -> {
      if (k.startsWith("node-role.kubernetes.io/")) roles.add(k.substring("node-role.kubernetes.io/".length()));
    });
    return roles.isEmpty() ? "<none>" : String.join(",", roles);
  }

  private static String nodeAddress(JsonNode o, String type) {
    for (JsonNode a : o.path("status").path("addresses")) if (a.path("type").asText().equals(type)) return a.path("address").asText();
    return "<none>";
  }

  private static String externalIps(JsonNode o) {
    List<String> ips = new ArrayList<>();
    o.path("spec").path("externalIPs").forEach(ip -> ips.add(ip.asText()));
    o.path("status").path("loadBalancer").path("ingress").forEach(i -> ips.add(i.path("ip").asText(i.path("hostname").asText())));
    if (ips.isEmpty()) return o.path("spec").path("type").asText().equals("LoadBalancer") ? "<pending>" : "<none>";
    return String.join(",", ips);
  }

  private static String servicePorts(JsonNode o) {
    List<String> ports = new ArrayList<>();
    for (JsonNode p : o.path("spec").path("ports")) {
      String s = p.path("port").asText();
      if (p.hasNonNull("nodePort")) s += ":" + p.path("nodePort").asText();
      ports.add(s + "/" + p.path("protocol").asText("TCP"));
    }
    return ports.isEmpty() ? "<none>" : String.join(",", ports);
  }

  /** An EndpointSlice's ports as kubectl shows them: numbers (a name, or * for all ports), three at most. */
  private static String slicePorts(JsonNode o) {
    List<String> ports = new ArrayList<>();
    for (JsonNode p : o.path("ports")) {
      ports.add(p.hasNonNull("port") ? p.get("port").asText() : p.hasNonNull("name") ? p.get("name").asText() : "*");
    }
    return firstThree(ports);
  }

  /** An EndpointSlice's addresses, across its endpoints, three at most. */
  private static String sliceEndpoints(JsonNode o) {
    List<String> addresses = new ArrayList<>();
    for (JsonNode e : o.path("endpoints")) {
      for (JsonNode a : e.path("addresses")) addresses.add(a.asText());
    }
    return firstThree(addresses);
  }

  /** "a,b,c + N more...", or "<unset>" for none, as Kubernetes' printers shorten lists. */
  static String firstThree(List<String> items) {
    if (items.isEmpty()) return "<unset>";
    String shown = String.join(",", items.subList(0, Math.min(3, items.size())));
    return items.size() > 3 ? shown + " + " + (items.size() - 3) + " more..." : shown;
  }

  private static String endpoints(JsonNode o) {
    List<String> eps = new ArrayList<>();
    for (JsonNode subset : o.path("subsets")) {
      for (JsonNode a : subset.path("addresses")) {
        if (subset.path("ports").isEmpty()) eps.add(a.path("ip").asText());
        for (JsonNode p : subset.path("ports")) eps.add(a.path("ip").asText() + ":" + p.path("port").asText());
      }
    }
    if (eps.isEmpty()) return "<none>";
    if (eps.size() > 3) return String.join(",", eps.subList(0, 3)) + " + " + (eps.size() - 3) + " more...";
    return String.join(",", eps);
  }

  private static String selector(JsonNode map) {
    if (!map.isObject() || map.isEmpty()) return "<none>";
    List<String> parts = new ArrayList<>();
    map.properties().forEach(e -> parts.add(e.getKey() + "=" + e.getValue().asText()));
    return String.join(",", parts);
  }

  private static String labelSelector(JsonNode selector) {
    List<String> parts = new ArrayList<>();
    selector.path("matchLabels").properties().forEach(e -> parts.add(e.getKey() + "=" + e.getValue().asText()));
    for (JsonNode e : selector.path("matchExpressions")) {
      String op = e.path("operator").asText();
      String key = e.path("key").asText();
      List<String> values = new ArrayList<>();
      e.path("values").forEach(v -> values.add(v.asText()));
      switch (op) {
        case "In" -> parts.add(key + " in (" + String.join(",", values) + ")");
        case "NotIn" -> parts.add(key + " notin (" + String.join(",", values) + ")");
        case "Exists" -> parts.add(key);
        case "DoesNotExist" -> parts.add("!" + key);
        default -> { }
      }
    }
    return parts.isEmpty() ? "<none>" : String.join(",", parts);
  }

  private static String containerNames(JsonNode template) {
    List<String> names = new ArrayList<>();
    template.path("spec").path("containers").forEach(c -> names.add(c.path("name").asText()));
    return String.join(",", names);
  }

  private static String images(JsonNode template) {
    List<String> images = new ArrayList<>();
    template.path("spec").path("containers").forEach(c -> images.add(c.path("image").asText()));
    return String.join(",", images);
  }

  private static String accessModes(JsonNode modes) {
    List<String> out = new ArrayList<>();
    for (JsonNode m : modes) {
      out.add(switch (m.asText()) {
        case "ReadWriteOnce" -> "RWO";
        case "ReadOnlyMany" -> "ROX";
        case "ReadWriteMany" -> "RWX";
        case "ReadWriteOncePod" -> "RWOP";
        default -> m.asText();
      });
    }
    return String.join(",", out);
  }

  private static String lastSeen(JsonNode o) {
    String t = o.path("lastTimestamp").asText("");
    if (t.isEmpty()) t = o.path("eventTime").asText("");
    if (t.isEmpty()) t = o.path("metadata").path("creationTimestamp").asText("");
    return age(t);
  }

  private static String involvedObject(JsonNode o) {
    JsonNode io = o.path("involvedObject");
    return io.path("kind").asText("").toLowerCase() + "/" + io.path("name").asText("");
  }

  private static String jobStatus(JsonNode o) {
    for (JsonNode c : o.path("status").path("conditions")) {
      if (!c.path("status").asText().equals("True")) continue;
      switch (c.path("type").asText()) {
        case "Complete": return "Complete";
        case "Failed": return "Failed";
        case "Suspended": return "Suspended";
        case "FailureTarget": return "FailureTarget";
        case "SuccessCriteriaMet": return "SuccessCriteriaMet";
        default: break;
      }
    }
    return "Running";
  }

  private static String jobDuration(JsonNode o) {
    String start = o.path("status").path("startTime").asText("");
    if (start.isEmpty()) return "";
    String end = o.path("status").path("completionTime").asText("");
    Instant to = end.isEmpty() ? Instant.now() : Instant.parse(end);
    return humanDuration(Duration.between(Instant.parse(start), to));
  }

  /** {@code cpu: 35%/60%} per metric, over the stored (autoscaling/v2) form. */
  private static String hpaTargets(JsonNode o) {
    List<String> out = new ArrayList<>();
    JsonNode metrics = o.path("spec").path("metrics");
    JsonNode current = o.path("status").path("currentMetrics");
    for (int i = 0; i < metrics.size(); i++) {
      JsonNode m = metrics.get(i);
      if (!"Resource".equals(m.path("type").asText())) {
        out.add("<unknown>");
        continue;
      }
      JsonNode target = m.path("resource").path("target");
      JsonNode cur = current.path(i).path("resource").path("current");
      boolean utilization = target.has("averageUtilization");
      String want = utilization ? target.path("averageUtilization").asText() + "%" : target.path("averageValue").asText(target.path("value").asText());
      String have = utilization ? (cur.has("averageUtilization") ? cur.path("averageUtilization").asText() + "%" : "<unknown>")
          : cur.path("averageValue").asText("<unknown>");
      out.add(m.path("resource").path("name").asText() + ": " + have + "/" + want);
    }
    return out.isEmpty() ? "<none>" : String.join(", ", out);
  }

  private static String ingressHosts(JsonNode o) {
    List<String> hosts = new ArrayList<>();
    o.path("spec").path("rules").forEach(r -> hosts.add(r.path("host").asText("*")));
    return hosts.isEmpty() ? "*" : String.join(",", hosts);
  }
}
