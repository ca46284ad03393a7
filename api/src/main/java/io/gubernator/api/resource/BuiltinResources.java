package io.gubernator.api.resource;

import static io.gubernator.api.resource.ResourceType.Subresource.BINDING;
import static io.gubernator.api.resource.ResourceType.Subresource.EPHEMERAL_CONTAINERS;
import static io.gubernator.api.resource.ResourceType.Subresource.EVICTION;
import static io.gubernator.api.resource.ResourceType.Subresource.FINALIZE;
import static io.gubernator.api.resource.ResourceType.Subresource.SCALE;
import static io.gubernator.api.resource.ResourceType.Subresource.STATUS;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Endpoints;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.LimitRange;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.PersistentVolume;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodTemplate;
import io.fabric8.kubernetes.api.model.ReplicationController;
import io.fabric8.kubernetes.api.model.ResourceQuota;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.api.model.apps.ControllerRevision;
import io.fabric8.kubernetes.api.model.apps.DaemonSet;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.ReplicaSet;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.autoscaling.v2.HorizontalPodAutoscaler;
import io.fabric8.kubernetes.api.model.batch.v1.CronJob;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import io.fabric8.kubernetes.api.model.networking.v1.Ingress;
import io.fabric8.kubernetes.api.model.networking.v1.IngressClass;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import io.fabric8.kubernetes.api.model.rbac.ClusterRole;
import io.fabric8.kubernetes.api.model.rbac.ClusterRoleBinding;
import io.fabric8.kubernetes.api.model.rbac.Role;
import io.fabric8.kubernetes.api.model.rbac.RoleBinding;
import io.fabric8.kubernetes.api.model.scheduling.v1.PriorityClass;
import io.fabric8.kubernetes.api.model.storage.StorageClass;
import java.util.List;

/** The built-in resources the API server serves, in discovery order (core first, as Kubernetes lists them). */
public final class BuiltinResources {

  private static final List<String> ALL = List.of("all");

  public static final List<ResourceType> ALL_TYPES = List.of(
      ResourceType.of("", "v1", "Namespace", "namespaces", false, Namespace.class, List.of("ns"), List.of(), STATUS, FINALIZE),
      ResourceType.of("", "v1", "Pod", "pods", true, Pod.class, List.of("po"), ALL, STATUS, BINDING, EVICTION,
          EPHEMERAL_CONTAINERS),
      ResourceType.of("", "v1", "Node", "nodes", false, Node.class, List.of("no"), List.of(), STATUS),
      ResourceType.of("", "v1", "Service", "services", true, Service.class, List.of("svc"), ALL, STATUS),
      ResourceType.of("", "v1", "Endpoints", "endpoints", true, Endpoints.class, List.of("ep"), List.of()),
      ResourceType.of("", "v1", "ConfigMap", "configmaps", true, ConfigMap.class, List.of("cm"), List.of()),
      ResourceType.of("", "v1", "Secret", "secrets", true, Secret.class, List.of(), List.of()),
      ResourceType.of("", "v1", "ServiceAccount", "serviceaccounts", true, ServiceAccount.class, List.of("sa"), List.of()),
      ResourceType.of("", "v1", "Event", "events", true, Event.class, List.of("ev"), List.of()),
      ResourceType.of("", "v1", "ResourceQuota", "resourcequotas", true, ResourceQuota.class, List.of("quota"), List.of(), STATUS),
      ResourceType.of("", "v1", "LimitRange", "limitranges", true, LimitRange.class, List.of("limits"), List.of()),
      ResourceType.of("", "v1", "PersistentVolume", "persistentvolumes", false, PersistentVolume.class, List.of("pv"), List.of(), STATUS),
      ResourceType.of("", "v1", "PersistentVolumeClaim", "persistentvolumeclaims", true, PersistentVolumeClaim.class, List.of("pvc"), List.of(), STATUS),
      ResourceType.of("", "v1", "ReplicationController", "replicationcontrollers", true, ReplicationController.class, List.of("rc"), ALL, STATUS, SCALE),
      ResourceType.of("", "v1", "PodTemplate", "podtemplates", true, PodTemplate.class, List.of(), List.of()),
      ResourceType.of("apps", "v1", "Deployment", "deployments", true, Deployment.class, List.of("deploy"), ALL, STATUS, SCALE),
      ResourceType.of("apps", "v1", "ReplicaSet", "replicasets", true, ReplicaSet.class, List.of("rs"), ALL, STATUS, SCALE),
      ResourceType.of("apps", "v1", "StatefulSet", "statefulsets", true, StatefulSet.class, List.of("sts"), ALL, STATUS, SCALE),
      ResourceType.of("apps", "v1", "DaemonSet", "daemonsets", true, DaemonSet.class, List.of("ds"), ALL, STATUS),
      ResourceType.of("apps", "v1", "ControllerRevision", "controllerrevisions", true, ControllerRevision.class, List.of(), List.of()),
      ResourceType.of("batch", "v1", "Job", "jobs", true, Job.class, List.of(), ALL, STATUS),
      ResourceType.of("batch", "v1", "CronJob", "cronjobs", true, CronJob.class, List.of("cj"), ALL, STATUS),
      ResourceType.of("autoscaling", "v2", "HorizontalPodAutoscaler", "horizontalpodautoscalers", true, HorizontalPodAutoscaler.class, List.of("hpa"), ALL, STATUS),
      // autoscaling/v1 shares the v2 objects (the storage version), converted on the way in and out.
      ResourceType.of("autoscaling", "v1", "HorizontalPodAutoscaler", "horizontalpodautoscalers", true,
          io.fabric8.kubernetes.api.model.autoscaling.v1.HorizontalPodAutoscaler.class, List.of("hpa"), ALL, STATUS),
      ResourceType.of("coordination.k8s.io", "v1", "Lease", "leases", true, Lease.class, List.of(), List.of()),
      ResourceType.of("discovery.k8s.io", "v1", "EndpointSlice", "endpointslices", true, EndpointSlice.class, List.of(), List.of()),
      // events.k8s.io/v1 is another view of the core/v1 Events, stored once.
      ResourceType.of("events.k8s.io", "v1", "Event", "events", true, io.fabric8.kubernetes.api.model.events.v1.Event.class, List.of("ev"), List.of())
          .withStorageKey("core/events"),
      ResourceType.of("policy", "v1", "PodDisruptionBudget", "poddisruptionbudgets", true, PodDisruptionBudget.class, List.of("pdb"), List.of(), STATUS),
      ResourceType.of("networking.k8s.io", "v1", "Ingress", "ingresses", true, Ingress.class, List.of("ing"), List.of(), STATUS),
      ResourceType.of("networking.k8s.io", "v1", "IngressClass", "ingressclasses", false, IngressClass.class, List.of(), List.of()),
      ResourceType.of("networking.k8s.io", "v1", "NetworkPolicy", "networkpolicies", true, NetworkPolicy.class, List.of("netpol"), List.of()),
      ResourceType.of("rbac.authorization.k8s.io", "v1", "ClusterRole", "clusterroles", false, ClusterRole.class, List.of(), List.of()),
      ResourceType.of("rbac.authorization.k8s.io", "v1", "ClusterRoleBinding", "clusterrolebindings", false, ClusterRoleBinding.class, List.of(), List.of()),
      ResourceType.of("rbac.authorization.k8s.io", "v1", "Role", "roles", true, Role.class, List.of(), List.of()),
      ResourceType.of("rbac.authorization.k8s.io", "v1", "RoleBinding", "rolebindings", true, RoleBinding.class, List.of(), List.of()),
      ResourceType.of("storage.k8s.io", "v1", "StorageClass", "storageclasses", false, StorageClass.class, List.of("sc"), List.of()),
      ResourceType.of("scheduling.k8s.io", "v1", "PriorityClass", "priorityclasses", false, PriorityClass.class, List.of("pc"), List.of()),
      ResourceType.createOnly("authentication.k8s.io", "v1", "SelfSubjectReview", "selfsubjectreviews", false,
          io.fabric8.kubernetes.api.model.authentication.SelfSubjectReview.class),
      ResourceType.createOnly("authentication.k8s.io", "v1", "TokenReview", "tokenreviews", false,
          io.fabric8.kubernetes.api.model.authentication.TokenReview.class),
      ResourceType.createOnly("authorization.k8s.io", "v1", "LocalSubjectAccessReview", "localsubjectaccessreviews", true,
          io.fabric8.kubernetes.api.model.authorization.v1.LocalSubjectAccessReview.class),
      ResourceType.createOnly("authorization.k8s.io", "v1", "SelfSubjectAccessReview", "selfsubjectaccessreviews", false,
          io.fabric8.kubernetes.api.model.authorization.v1.SelfSubjectAccessReview.class),
      ResourceType.createOnly("authorization.k8s.io", "v1", "SelfSubjectRulesReview", "selfsubjectrulesreviews", false,
          io.fabric8.kubernetes.api.model.authorization.v1.SelfSubjectRulesReview.class),
      ResourceType.createOnly("authorization.k8s.io", "v1", "SubjectAccessReview", "subjectaccessreviews", false,
          io.fabric8.kubernetes.api.model.authorization.v1.SubjectAccessReview.class));

  private BuiltinResources() {}
}
