package io.gubernator.apiserver.openapi;

import java.util.List;
import java.util.Map;

/**
 * The fields Kubernetes' OpenAPI lists as {@code required} for the model classes we serve: the Go
 * fields of k8s.io/api whose JSON tag has no {@code omitempty} and no {@code +optional} marker. The
 * fabric8 model classes do not carry that information, so it is kept here, by class name (a class
 * missing from the classpath simply never matches). kubectl explain prints these as
 * {@code -required-}.
 */
final class RequiredFields {

  private static final String CORE = "io.fabric8.kubernetes.api.model.";
  private static final String APPS = "io.fabric8.kubernetes.api.model.apps.";
  private static final String BATCH = "io.fabric8.kubernetes.api.model.batch.v1.";
  private static final String RBAC = "io.fabric8.kubernetes.api.model.rbac.";
  private static final String HPA = "io.fabric8.kubernetes.api.model.autoscaling.v2.";
  private static final String NETWORKING = "io.fabric8.kubernetes.api.model.networking.v1.";
  private static final String DISCOVERY = "io.fabric8.kubernetes.api.model.discovery.v1.";

  private static final Map<String, List<String>> BY_CLASS = Map.ofEntries(
      Map.entry(CORE + "PodSpec", List.of("containers")),
      Map.entry(CORE + "Container", List.of("name")),
      Map.entry(CORE + "EphemeralContainer", List.of("name")),
      Map.entry(CORE + "ContainerPort", List.of("containerPort")),
      Map.entry(CORE + "EnvVar", List.of("name")),
      Map.entry(CORE + "Volume", List.of("name")),
      Map.entry(CORE + "VolumeMount", List.of("name", "mountPath")),
      Map.entry(CORE + "VolumeDevice", List.of("name", "devicePath")),
      Map.entry(CORE + "HTTPGetAction", List.of("port")),
      Map.entry(CORE + "HTTPHeader", List.of("name", "value")),
      Map.entry(CORE + "TCPSocketAction", List.of("port")),
      Map.entry(CORE + "GRPCAction", List.of("port")),
      Map.entry(CORE + "ServicePort", List.of("port")),
      Map.entry(CORE + "KeyToPath", List.of("key", "path")),
      Map.entry(CORE + "ConfigMapKeySelector", List.of("key")),
      Map.entry(CORE + "SecretKeySelector", List.of("key")),
      Map.entry(CORE + "ObjectFieldSelector", List.of("fieldPath")),
      Map.entry(CORE + "ResourceFieldSelector", List.of("resource")),
      Map.entry(CORE + "HostPathVolumeSource", List.of("path")),
      Map.entry(CORE + "PersistentVolumeClaimVolumeSource", List.of("claimName")),
      Map.entry(CORE + "LabelSelectorRequirement", List.of("key", "operator")),
      Map.entry(CORE + "NodeSelectorRequirement", List.of("key", "operator")),
      Map.entry(CORE + "NodeSelector", List.of("nodeSelectorTerms")),
      Map.entry(CORE + "PreferredSchedulingTerm", List.of("weight", "preference")),
      Map.entry(CORE + "PodAffinityTerm", List.of("topologyKey")),
      Map.entry(CORE + "WeightedPodAffinityTerm", List.of("weight", "podAffinityTerm")),
      Map.entry(CORE + "TopologySpreadConstraint", List.of("maxSkew", "topologyKey", "whenUnsatisfiable")),
      Map.entry(CORE + "Sysctl", List.of("name", "value")),
      Map.entry(CORE + "HostAlias", List.of("ip")),
      Map.entry(CORE + "PodReadinessGate", List.of("conditionType")),
      Map.entry(CORE + "PodSchedulingGate", List.of("name")),
      Map.entry(CORE + "PodCondition", List.of("type", "status")),
      Map.entry(CORE + "NamespaceCondition", List.of("type", "status")),
      Map.entry(CORE + "ContainerStatus", List.of("name", "ready", "restartCount", "image", "imageID")),
      Map.entry(CORE + "OwnerReference", List.of("apiVersion", "kind", "name", "uid")),
      Map.entry(CORE + "Binding", List.of("target")),
      Map.entry(CORE + "Event", List.of("metadata", "involvedObject")),
      Map.entry(CORE + "EndpointAddress", List.of("ip")),
      Map.entry(CORE + "LimitRangeSpec", List.of("limits")),
      Map.entry(CORE + "LimitRangeItem", List.of("type")),
      Map.entry(APPS + "DeploymentSpec", List.of("selector", "template")),
      Map.entry(APPS + "ReplicaSetSpec", List.of("selector")),
      Map.entry(APPS + "DaemonSetSpec", List.of("selector", "template")),
      Map.entry(APPS + "StatefulSetSpec", List.of("selector", "template")),
      Map.entry(APPS + "DeploymentCondition", List.of("type", "status")),
      Map.entry(APPS + "ControllerRevision", List.of("revision")),
      Map.entry(BATCH + "JobSpec", List.of("template")),
      Map.entry(BATCH + "CronJobSpec", List.of("schedule", "jobTemplate")),
      Map.entry(RBAC + "Subject", List.of("kind", "name")),
      Map.entry(RBAC + "RoleRef", List.of("apiGroup", "kind", "name")),
      Map.entry(RBAC + "PolicyRule", List.of("verbs")),
      Map.entry(RBAC + "RoleBinding", List.of("roleRef")),
      Map.entry(RBAC + "ClusterRoleBinding", List.of("roleRef")),
      Map.entry(HPA + "HorizontalPodAutoscalerSpec", List.of("scaleTargetRef", "maxReplicas")),
      Map.entry(HPA + "CrossVersionObjectReference", List.of("kind", "name")),
      Map.entry(HPA + "MetricSpec", List.of("type")),
      Map.entry(NETWORKING + "HTTPIngressRuleValue", List.of("paths")),
      Map.entry(NETWORKING + "HTTPIngressPath", List.of("pathType", "backend")),
      Map.entry(NETWORKING + "IngressServiceBackend", List.of("name")),
      Map.entry(DISCOVERY + "EndpointSlice", List.of("addressType", "endpoints")),
      Map.entry(DISCOVERY + "Endpoint", List.of("addresses")),
      Map.entry("io.fabric8.kubernetes.api.model.storage.StorageClass", List.of("provisioner")));

  private RequiredFields() {}

  /** The required property names of {@code modelClass}, in Kubernetes' order; empty when none. */
  static List<String> of(Class<?> modelClass) {
    return BY_CLASS.getOrDefault(modelClass.getName(), List.of());
  }
}
