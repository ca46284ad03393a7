package io.gubernator.testing.hollow;

import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * What {@link HollowNodes} registers: {@code count} nodes named {@code namePrefix + i}, each with
 * the same capacity (Kubernetes quantities), spread round-robin over {@code zones}, their Lease
 * renewed every {@code leaseRenewInterval} and their Ready heartbeat refreshed at a random moment
 * between {@code heartbeatMin} and {@code heartbeatMax} (jitter keeps thousands of nodes from
 * writing in the same second). {@code workers} threads per work queue carry all of them.
 */
public record HollowNodeConfig(int count, String namePrefix, String cpu, String memory, String pods,
    String ephemeralStorage, List<String> zones, Duration leaseRenewInterval, Duration heartbeatMin,
    Duration heartbeatMax, int workers) {

  public static final String DEFAULT_PREFIX = "hollow-node-";
  /** Restart policy Never/OnFailure pods with this annotation turn Succeeded N seconds after starting. */
  public static final String COMPLETE_AFTER_ANNOTATION = "hollow.gubernator.io/complete-after-seconds";
  public static final String LEASE_NAMESPACE = "kube-node-lease";
  /** Labels every hollow node carries (with hostname, zone). */
  public static final Map<String, String> COMMON_LABELS = Map.of(
      "type", "hollow",
      "kubernetes.io/os", "linux",
      "kubernetes.io/arch", "amd64",
      "node.kubernetes.io/instance-type", "hollow");
  public static final String ZONE_LABEL = "topology.kubernetes.io/zone";

  public HollowNodeConfig {
    if (count < 0) throw new IllegalArgumentException("count must not be negative");
    // 65,536 /24 pod ranges fit in 10.0.0.0/8, which is where podCIDRs are carved from.
    if (count > 65_536) throw new IllegalArgumentException("count must be at most 65536");
    if (namePrefix == null || namePrefix.isBlank()) throw new IllegalArgumentException("namePrefix must be set");
    if (zones == null || zones.isEmpty()) throw new IllegalArgumentException("at least one zone");
    zones = List.copyOf(zones);
    if (heartbeatMax.compareTo(heartbeatMin) < 0) throw new IllegalArgumentException("heartbeatMax < heartbeatMin");
    if (workers < 1) throw new IllegalArgumentException("workers must be at least 1");
  }

  /** KWOK's and the kubelet's defaults: 4 CPU, 16Gi, 110 pods, Lease every 10 s, status every 40-60 s. */
  public static HollowNodeConfig defaults(int count) {
    return new HollowNodeConfig(count, DEFAULT_PREFIX, "4", "16Gi", "110", "100Gi",
        List.of("zone-a", "zone-b", "zone-c"), Duration.ofSeconds(10), Duration.ofSeconds(40), Duration.ofSeconds(60), 4);
  }

  public HollowNodeConfig withNamePrefix(String prefix) {
    return new HollowNodeConfig(count, prefix, cpu, memory, pods, ephemeralStorage, zones, leaseRenewInterval, heartbeatMin, heartbeatMax, workers);
  }

  public HollowNodeConfig withCapacity(String cpu, String memory, String pods) {
    return new HollowNodeConfig(count, namePrefix, cpu, memory, pods, ephemeralStorage, zones, leaseRenewInterval, heartbeatMin, heartbeatMax, workers);
  }

  public HollowNodeConfig withTiming(Duration lease, Duration heartbeatMin, Duration heartbeatMax) {
    return new HollowNodeConfig(count, namePrefix, cpu, memory, pods, ephemeralStorage, zones, lease, heartbeatMin, heartbeatMax, workers);
  }

  public HollowNodeConfig withWorkers(int workers) {
    return new HollowNodeConfig(count, namePrefix, cpu, memory, pods, ephemeralStorage, zones, leaseRenewInterval, heartbeatMin, heartbeatMax, workers);
  }

  public String nodeName(int index) {
    return namePrefix + index;
  }
}
