package io.gubernator.bench.scheduler;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.PodSpecBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.scheduling.v1.PriorityClassBuilder;
import java.util.List;
import java.util.Map;
import java.util.function.IntFunction;
import java.util.function.Supplier;

/**
 * The scheduler_perf workloads this benchmark runs, with the node and pod shapes of upstream's
 * templates (test/integration/scheduler_perf: node-default, pod-default, pod-with-pod-anti-affinity,
 * pod-with-topology-spreading, pod-low-priority, pod-high-priority) and the counts and CI
 * thresholds of their 5000-node (PreemptionBasic: 500-node) performance workloads.
 */
final class Shapes {

  static final String INIT_NS = "sched-0";
  static final String MEASURED_NS = "sched-1";

  private static final String HOSTNAME = "kubernetes.io/hostname";
  private static final String ZONE = "topology.kubernetes.io/zone";

  /**
   * One workload: createNodes, then {@code initPods} that must all be bound, then the measured
   * pods; {@code setup} objects (cluster-scoped) are created before the nodes. Pod suppliers give
   * a fresh pod without name or namespace each call.
   */
  record Shape(String name, String upstream, int nodes, int initPods, int measuredPods, int threshold,
      IntFunction<Node> node, Supplier<Pod> initPod, Supplier<Pod> measuredPod, List<HasMetadata> setup) {

    Shape withCounts(Integer nodes, Integer initPods, Integer measuredPods) {
      return new Shape(name, upstream, nodes != null ? nodes : this.nodes, initPods != null ? initPods : this.initPods,
          measuredPods != null ? measuredPods : this.measuredPods, threshold, node, initPod, measuredPod, setup);
    }
  }

  private Shapes() {
  }

  static List<Shape> all() {
    return List.of(basic(), antiAffinity(), spread(), preemption());
  }

  static Shape basic() {
    return new Shape("basic", "SchedulingBasic", 5_000, 1_000, 10_000, 270,
        i -> node(i, null), Shapes::defaultPod, Shapes::defaultPod, List.of());
  }

  /**
   * Every pod, initial and measured, repels its own label per hostname across both namespaces, so
   * each lands on a node of its own: 3,000 pods need 3,000 of the 5,000 nodes.
   */
  static Shape antiAffinity() {
    Supplier<Pod> pod = () -> withSpec(Map.of("color", "green"), spec -> spec.withNewAffinity().withNewPodAntiAffinity()
        .addNewRequiredDuringSchedulingIgnoredDuringExecution()
        .withNewLabelSelector().addToMatchLabels("color", "green").endLabelSelector()
        .withTopologyKey(HOSTNAME).withNamespaces(INIT_NS, MEASURED_NS)
        .endRequiredDuringSchedulingIgnoredDuringExecution().endPodAntiAffinity().endAffinity());
    return new Shape("antiaffinity", "SchedulingPodAntiAffinity", 5_000, 1_000, 2_000, 60,
        i -> node(i, null), pod, pod, List.of());
  }

  /**
   * Upstream's labelNodePrepareStrategy puts each node in one of three zones; the initial pods are
   * plain, so only the measured pods count toward the skew.
   */
  static Shape spread() {
    Supplier<Pod> pod = () -> withSpec(Map.of("color", "blue"), spec -> spec.addNewTopologySpreadConstraint()
        .withMaxSkew(5).withTopologyKey(ZONE).withWhenUnsatisfiable("DoNotSchedule")
        .withNewLabelSelector().addToMatchLabels("color", "blue").endLabelSelector()
        .endTopologySpreadConstraint());
    return new Shape("spread", "TopologySpreading", 5_000, 5_000, 5_000, 85,
        i -> node(i, "moon-" + (i % 3 + 1)), Shapes::defaultPod, pod, List.of());
  }

  /**
   * Four 900m pods fill 3.6 of a node's 4 cpus, so each 3-cpu measured pod must evict three of
   * them. Upstream's templates set spec.priority directly (scheduler_perf has no admission); through
   * the API the priority comes from a PriorityClass, and the value is also set explicitly because
   * the Priority admission accepts a matching value. Grace period 0 so a victim (no kubelet here)
   * is gone at once, as upstream's low-priority template does.
   */
  static Shape preemption() {
    List<HasMetadata> classes = List.of(priorityClass("bench-low", 0), priorityClass("bench-high", 10));
    Supplier<Pod> low = () -> pod("900m", Map.of(), spec -> spec.withPriorityClassName("bench-low").withPriority(0)
        .withTerminationGracePeriodSeconds(0L));
    Supplier<Pod> high = () -> pod("3", Map.of(), spec -> spec.withPriorityClassName("bench-high").withPriority(10));
    return new Shape("preemption", "PreemptionBasic", 500, 2_000, 500, 18, i -> node(i, null), low, high, classes);
  }

  /** node-default.yaml: 4 cpu, 32 GiB, 110 pods, Ready; no kubelet behind it, as scheduler_perf. */
  static Node node(int i, String zone) {
    String name = "node-" + i;
    Map<String, Quantity> cap = Map.of("cpu", new Quantity("4"), "memory", new Quantity("32Gi"), "pods", new Quantity("110"));
    var meta = new NodeBuilder().withNewMetadata().withName(name).addToLabels(HOSTNAME, name);
    if (zone != null) meta.addToLabels(ZONE, zone);
    return meta.endMetadata().withNewSpec().endSpec()
        .withNewStatus().withCapacity(cap).withAllocatable(cap)
        .addNewCondition().withType("Ready").withStatus("True").endCondition().endStatus().build();
  }

  private static Pod defaultPod() {
    return withSpec(Map.of(), spec -> spec);
  }

  private static Pod withSpec(Map<String, String> labels, java.util.function.UnaryOperator<PodSpecBuilder> spec) {
    return pod("100m", labels, spec);
  }

  private static Pod pod(String cpu, Map<String, String> labels, java.util.function.UnaryOperator<PodSpecBuilder> extra) {
    PodSpecBuilder spec = new PodSpecBuilder().addNewContainer().withName("pause").withImage("registry.k8s.io/pause:3.10")
        .withNewResources().withRequests(Map.of("cpu", new Quantity(cpu), "memory", new Quantity("500Mi"))).endResources()
        .endContainer();
    return new PodBuilder().withNewMetadata().withLabels(labels).endMetadata().withSpec(extra.apply(spec).build()).build();
  }

  private static HasMetadata priorityClass(String name, int value) {
    return new PriorityClassBuilder().withNewMetadata().withName(name).endMetadata().withValue(value).build();
  }
}
