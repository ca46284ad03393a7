package io.gubernator.testing.hollow;

import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeAddressBuilder;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.NodeCondition;
import io.fabric8.kubernetes.api.model.NodeConditionBuilder;
import io.fabric8.kubernetes.api.model.NodeStatus;
import io.fabric8.kubernetes.api.model.NodeStatusBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.api.model.coordination.v1.LeaseBuilder;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The objects a kubelet would write for hollow node number {@code index}: pure functions, so that
 * the reconcilers can compare what is with what should be. Addresses are fake and not routable:
 * pod ranges are the {@code index}-th /24 counted from 10.244.0.0 (10.244.0.0/24, 10.244.1.0/24, …,
 * wrapping through 10.0.0.0/8 after 10.255.255.0/24); node addresses are 172.16.0.0/12 + index + 1.
 */
final class NodeObjects {

  static final String KUBELET_VERSION = "v1.32.0-hollow";

  private NodeObjects() {}

  static String podCidr(int index) {
    int block = (244 * 256 + index) & 0xFFFF;
    return "10." + (block >> 8) + "." + (block & 0xFF) + ".0/24";
  }

  /** The /24's first three octets with a trailing dot ("10.244.7."), for pod addresses .2-.254. */
  static String podPrefix(String cidr) {
    return cidr.substring(0, cidr.lastIndexOf('.') + 1);
  }

  static String internalIp(int index) {
    long n = (172L << 24) | (16L << 16) | (index + 1L);
    return (n >> 24 & 0xFF) + "." + (n >> 16 & 0xFF) + "." + (n >> 8 & 0xFF) + "." + (n & 0xFF);
  }

  static Map<String, String> labels(HollowNodeConfig config, int index) {
    Map<String, String> labels = new HashMap<>(HollowNodeConfig.COMMON_LABELS);
    labels.put("kubernetes.io/hostname", config.nodeName(index));
    labels.put(HollowNodeConfig.ZONE_LABEL, config.zones().get(index % config.zones().size()));
    return labels;
  }

  static Node node(HollowNodeConfig config, int index, Instant now) {
    String name = config.nodeName(index);
    return new NodeBuilder()
        .withNewMetadata().withName(name).withLabels(labels(config, index))
        .addToAnnotations("node.alpha.kubernetes.io/ttl", "0")
        .addToAnnotations("hollow.gubernator.io/simulated", "true")
        .endMetadata()
        .withNewSpec().withPodCIDR(podCidr(index)).withPodCIDRs(podCidr(index)).withProviderID("hollow://" + name).endSpec()
        .withStatus(status(config, index, null, now))
        .build();
  }

  /**
   * The status a kubelet reports: capacity equals allocatable (no system reservations on a hollow
   * node), the four conditions healthy; a condition's lastTransitionTime is kept from
   * {@code previous} when its status does not change, as the kubelet does.
   */
  static NodeStatus status(HollowNodeConfig config, int index, NodeStatus previous, Instant now) {
    String ts = now.truncatedTo(ChronoUnit.SECONDS).toString();
    Map<String, Quantity> capacity = Map.of(
        "cpu", new Quantity(config.cpu()), "memory", new Quantity(config.memory()),
        "pods", new Quantity(config.pods()), "ephemeral-storage", new Quantity(config.ephemeralStorage()));
    List<NodeCondition> conditions = new ArrayList<>();
    conditions.add(condition(previous, "MemoryPressure", "False", "KubeletHasSufficientMemory", "kubelet has sufficient memory available", ts));
    conditions.add(condition(previous, "DiskPressure", "False", "KubeletHasNoDiskPressure", "kubelet has no disk pressure", ts));
    conditions.add(condition(previous, "PIDPressure", "False", "KubeletHasSufficientPID", "kubelet has sufficient PID available", ts));
    conditions.add(condition(previous, "Ready", "True", "KubeletReady", "kubelet is posting ready status (hollow node)", ts));
    String name = config.nodeName(index);
    return new NodeStatusBuilder()
        .withCapacity(capacity).withAllocatable(capacity)
        .withConditions(conditions)
        .withAddresses(new NodeAddressBuilder().withType("InternalIP").withAddress(internalIp(index)).build(),
            new NodeAddressBuilder().withType("Hostname").withAddress(name).build())
        .withNewDaemonEndpoints().withNewKubeletEndpoint().withPort(10250).endKubeletEndpoint().endDaemonEndpoints()
        .withNewNodeInfo()
        .withMachineID("hollow-" + index).withSystemUUID("hollow-" + index).withBootID("hollow-" + index)
        .withKernelVersion("6.1.0-hollow").withOsImage("Gubernator hollow node").withOperatingSystem("linux")
        .withArchitecture("amd64").withContainerRuntimeVersion("hollow://1.0.0")
        .withKubeletVersion(KUBELET_VERSION).withKubeProxyVersion(KUBELET_VERSION)
        .endNodeInfo()
        .build();
  }

  private static NodeCondition condition(NodeStatus previous, String type, String status, String reason, String message, String now) {
    String transition = now;
    if (previous != null && previous.getConditions() != null) {
      for (NodeCondition c : previous.getConditions()) {
        if (type.equals(c.getType()) && status.equals(c.getStatus()) && c.getLastTransitionTime() != null) transition = c.getLastTransitionTime();
      }
    }
    return new NodeConditionBuilder().withType(type).withStatus(status).withReason(reason).withMessage(message)
        .withLastHeartbeatTime(now).withLastTransitionTime(transition).build();
  }

  /** True when the node shows everything a fresh heartbeat would write, and the heartbeat is younger than {@code maxAge}. */
  static boolean statusFresh(Node node, HollowNodeConfig config, int index, Instant now, java.time.Duration maxAge) {
    NodeStatus s = node.getStatus();
    if (s == null || s.getConditions() == null || s.getNodeInfo() == null || s.getAllocatable() == null) return false;
    if (!status(config, index, s, now).getAllocatable().equals(s.getAllocatable())) return false;
    for (NodeCondition c : s.getConditions()) {
      if ("Ready".equals(c.getType())) {
        if (!"True".equals(c.getStatus()) || c.getLastHeartbeatTime() == null) return false;
        try {
          return Instant.parse(c.getLastHeartbeatTime()).plus(maxAge).isAfter(now);
        } catch (RuntimeException e) {
          return false;
        }
      }
    }
    return false;
  }

  static Lease lease(String nodeName, String nodeUid, int leaseSeconds) {
    LeaseBuilder b = new LeaseBuilder().withNewMetadata().withName(nodeName).withNamespace(HollowNodeConfig.LEASE_NAMESPACE).endMetadata();
    // As the kubelet: owned by the Node, so that deleting the node lets the garbage collector remove it.
    if (nodeUid != null) {
      b.editMetadata().addNewOwnerReference().withApiVersion("v1").withKind("Node").withName(nodeName).withUid(nodeUid).endOwnerReference().endMetadata();
    }
    return b.withNewSpec().withHolderIdentity(nodeName).withLeaseDurationSeconds(leaseSeconds)
        .withRenewTime(ZonedDateTime.now(ZoneOffset.UTC).truncatedTo(ChronoUnit.MICROS)).endSpec().build();
  }
}
