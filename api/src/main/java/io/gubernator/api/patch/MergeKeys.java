package io.gubernator.api.patch;

import java.util.Map;

/**
 * Kubernetes' {@code patchStrategy} / {@code patchMergeKey} struct tags, which the fabric8 model classes do
 * not carry. Keyed by the model class' simple name (the same across API versions, e.g. v1 and v1beta1) and
 * the JSON field name. Source: the {@code types.go} files of k8s.io/api (core, apps, batch, autoscaling,
 * policy, admissionregistration, flowcontrol, networking, storage, certificates, resource,
 * storagemigration) and apimachinery's meta/v1.
 */
final class MergeKeys {

  private record Tag(String strategy, String mergeKey) {
  }

  private static final String MODEL_PACKAGE = "io.fabric8.kubernetes.api.model";

  private static final Map<String, Map<String, Tag>> TAGS = Map.ofEntries(
      Map.entry("ObjectMeta", Map.of(
          "finalizers", merge(""),
          "ownerReferences", merge("uid"))),
      Map.entry("PodSpec", Map.ofEntries(
          Map.entry("volumes", new Tag("merge,retainKeys", "name")),
          Map.entry("initContainers", merge("name")),
          Map.entry("containers", merge("name")),
          Map.entry("ephemeralContainers", merge("name")),
          Map.entry("imagePullSecrets", merge("name")),
          Map.entry("hostAliases", merge("ip")),
          Map.entry("topologySpreadConstraints", merge("topologyKey")),
          Map.entry("schedulingGates", merge("name")),
          Map.entry("resourceClaims", new Tag("merge,retainKeys", "name")))),
      Map.entry("Container", containerTags()),
      Map.entry("EphemeralContainer", containerTags()),
      Map.entry("ContainerStatus", Map.of(
          "volumeMounts", merge("mountPath"),
          "allocatedResourcesStatus", merge("name"))),
      Map.entry("PodStatus", Map.of(
          "conditions", merge("type"),
          "hostIPs", merge("ip"),
          "podIPs", merge("ip"),
          "resourceClaimStatuses", new Tag("merge,retainKeys", "name"))),
      Map.entry("ServiceSpec", Map.of("ports", merge("port"))),
      Map.entry("ServiceAccount", Map.of("secrets", merge("name"))),
      Map.entry("NodeSpec", Map.of("podCIDRs", merge(""))),
      Map.entry("NodeStatus", Map.of(
          "conditions", merge("type"),
          "addresses", merge("type"))),
      Map.entry("PersistentVolumeClaimStatus", conditions()),
      Map.entry("ReplicationControllerStatus", conditions()),
      Map.entry("ServiceStatus", conditions()),
      Map.entry("NamespaceStatus", conditions()),
      Map.entry("ComponentStatus", conditions()),
      Map.entry("VolumeHealthStatus", Map.of("healthConditions", merge("status"))),
      Map.entry("PodVolumeHealth", Map.of("healthConditions", merge("status"))),
      Map.entry("DeploymentSpec", Map.of("strategy", new Tag("retainKeys", ""))),
      Map.entry("DeploymentStatus", conditions()),
      Map.entry("StatefulSetStatus", conditions()),
      Map.entry("DaemonSetStatus", conditions()),
      Map.entry("ReplicaSetStatus", conditions()),
      Map.entry("JobStatus", conditions()),
      Map.entry("HorizontalPodAutoscalerStatus", conditions()),
      Map.entry("PodDisruptionBudgetSpec", Map.of("selector", new Tag("replace", ""))),
      Map.entry("PodDisruptionBudgetStatus", conditions()),
      Map.entry("FlowSchemaStatus", conditions()),
      Map.entry("PriorityLevelConfigurationStatus", conditions()),
      Map.entry("ServiceCIDRStatus", conditions()),
      Map.entry("PodCertificateRequestStatus", conditions()),
      Map.entry("DeviceTaintRuleStatus", conditions()),
      Map.entry("StorageVersionMigrationStatus", conditions()),
      Map.entry("ResourceClaimStatus", Map.of("reservedFor", merge("uid"))),
      Map.entry("CSINodeSpec", Map.of("drivers", merge("name"))),
      Map.entry("CSINodeStatus", Map.of("storageHealth", merge("name"))),
      Map.entry("ValidatingAdmissionPolicySpec", Map.of(
          "matchConditions", merge("name"),
          "variables", merge("name"))),
      Map.entry("MutatingAdmissionPolicySpec", Map.of("matchConditions", merge("name"))),
      Map.entry("ValidatingWebhookConfiguration", Map.of("webhooks", merge("name"))),
      Map.entry("MutatingWebhookConfiguration", Map.of("webhooks", merge("name"))),
      Map.entry("ValidatingWebhook", Map.of("matchConditions", merge("name"))),
      Map.entry("MutatingWebhook", Map.of("matchConditions", merge("name"))));

  private MergeKeys() {
  }

  private static Tag merge(String key) {
    return new Tag("merge", key);
  }

  private static Map<String, Tag> conditions() {
    return Map.of("conditions", merge("type"));
  }

  private static Map<String, Tag> containerTags() {
    return Map.of(
        "ports", merge("containerPort"),
        "env", merge("name"),
        "volumeMounts", merge("mountPath"),
        "volumeDevices", merge("devicePath"));
  }

  private static Tag tag(Class<?> owner, String field) {
    if (!owner.getName().startsWith(MODEL_PACKAGE)) {
      return null;
    }
    Map<String, Tag> byField = TAGS.get(owner.getSimpleName());
    return byField == null ? null : byField.get(field);
  }

  /** The comma-separated strategies ("merge", "retainKeys", "replace") or "". */
  static String strategy(Class<?> owner, String field) {
    Tag t = tag(owner, field);
    return t == null ? "" : t.strategy();
  }

  /** The merge key of a list of objects with the merge strategy, or "" (also for lists of scalars). */
  static String mergeKey(Class<?> owner, String field) {
    Tag t = tag(owner, field);
    return t == null ? "" : t.mergeKey();
  }
}
