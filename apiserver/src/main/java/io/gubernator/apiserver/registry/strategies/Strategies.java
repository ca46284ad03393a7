package io.gubernator.apiserver.registry.strategies;

import io.gubernator.apiserver.registry.RangeAllocator;
import io.gubernator.apiserver.registry.Strategy;
import io.gubernator.store.Store;
import java.util.Map;

/** The strategy of each resource by storage key; resources without one get the generic metadata rules. */
public final class Strategies {

  private static final Strategy<?> GENERIC = new Strategy<>() {};

  private final Map<String, Strategy<?>> byKey;

  public Strategies(Map<String, Strategy<?>> byKey) {
    this.byKey = Map.copyOf(byKey);
  }

  /**
   * The built-in strategies; {@code store} keeps the ClusterIP and NodePort allocations, taken from
   * {@code serviceCidr} and 30000–32767; {@code priorities} admits new pods' priorities.
   */
  public static Strategies builtin(Store store, String serviceCidr, PriorityAdmission priorities) {
    String[] cidr = serviceCidr.split("/");
    long base = ServiceStrategy.ipToLong(cidr[0]);
    long size = 1L << (32 - Integer.parseInt(cidr[1]));
    // Neither the network nor the broadcast address is handed out; the first one goes to the kubernetes Service at bootstrap.
    RangeAllocator ips = new RangeAllocator(store, "serviceips", base + 1, size - 2, ServiceStrategy::longToIp);
    RangeAllocator nodePorts = new RangeAllocator(store, "servicenodeports", 30000, 2768, Long::toString);
    return new Strategies(Map.ofEntries(
        Map.entry("core/services", new ServiceStrategy(ips, nodePorts)),
        Map.entry("core/namespaces", new NamespaceStrategy()),
        Map.entry("core/pods", new PodStrategy(priorities)),
        Map.entry("apps/deployments", new WorkloadStrategies.DeploymentRegistryStrategy()),
        Map.entry("apps/replicasets", new WorkloadStrategies.ReplicaSetStrategy()),
        Map.entry("apps/statefulsets", new WorkloadStrategies.Generational<>()),
        Map.entry("apps/daemonsets", new WorkloadStrategies.Generational<>()),
        Map.entry("batch/jobs", new WorkloadStrategies.JobStrategy()),
        Map.entry("batch/cronjobs", new WorkloadStrategies.Generational<>()),
        Map.entry("core/replicationcontrollers", new WorkloadStrategies.Generational<>()),
        Map.entry("autoscaling/horizontalpodautoscalers", new WorkloadStrategies.HorizontalPodAutoscalerStrategy()),
        Map.entry("policy/poddisruptionbudgets", new PodDisruptionBudgetStrategy()),
        Map.entry("core/configmaps", new ConfigStrategies.ConfigMapStrategy()),
        Map.entry("core/secrets", new ConfigStrategies.SecretStrategy()),
        Map.entry("core/nodes", new ConfigStrategies.NodeStrategy())));
  }

  public Strategy<?> forKey(String storageKey) {
    return byKey.getOrDefault(storageKey, GENERIC);
  }
}
