package io.gubernator.controllers.podgc;

import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Taint;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.gubernator.client.Controller;
import io.gubernator.client.Keys;
import io.gubernator.controllers.nodelifecycle.NodeLifecycleController;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Kubernetes' pod garbage collector, the parts a cluster with dead nodes needs: a pod bound to a
 * node that no longer exists, and a terminating pod on a node tainted unreachable (whose kubelet
 * will never finish the deletion), are force-deleted ({@code gracePeriodSeconds=0}); and when there
 * are more terminated (Succeeded or Failed) pods than the threshold (Kubernetes'
 * --terminated-pod-gc-threshold, 12500), the oldest of them are deleted.
 */
public final class PodGC implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(PodGC.class);

  private final KubernetesClient client;
  private final SharedIndexInformer<Pod> pods;
  private final SharedIndexInformer<Node> nodes;
  private final Controller controller;
  private final int terminatedThreshold;
  /** The work-queue key of the terminated-pods check (pod keys always contain a '/'). */
  static final String TERMINATED_KEY = "terminated-pods";

  public PodGC(KubernetesClient client, SharedIndexInformer<Pod> pods, SharedIndexInformer<Node> nodes, int workers,
      int terminatedThreshold) {
    this.terminatedThreshold = terminatedThreshold;
    this.client = client;
    this.pods = pods;
    this.nodes = nodes;
    this.controller = new Controller("pod-garbage-collector", workers, this::sync);
    NodeLifecycleController.addPodNodeIndex(pods);
    pods.addEventHandler(new ResourceEventHandler<>() {
      @Override
      public void onAdd(Pod p) {
        enqueue(p);
      }

      @Override
      public void onUpdate(Pod old, Pod p) {
        enqueue(p);
      }

      @Override
      public void onDelete(Pod p, boolean finalStateUnknown) {}
    });
    // A node deleted or newly tainted: its pods may now be collectable.
    nodes.addEventHandler(new ResourceEventHandler<>() {
      @Override
      public void onAdd(Node n) {}

      @Override
      public void onUpdate(Node old, Node n) {
        if (unreachable(n) && !unreachable(old)) enqueuePodsOn(n.getMetadata().getName());
      }

      @Override
      public void onDelete(Node n, boolean finalStateUnknown) {
        enqueuePodsOn(n.getMetadata().getName());
      }
    });
  }

  public void start() {
    controller.start(List.of(pods, nodes));
  }

  private void enqueue(Pod p) {
    String node = p.getSpec() == null ? null : p.getSpec().getNodeName();
    if (node != null && !node.isEmpty()) controller.enqueue(Keys.of(p));
    if (terminated(p)) controller.enqueue(TERMINATED_KEY);
  }

  static boolean terminated(Pod p) {
    String phase = p.getStatus() == null ? null : p.getStatus().getPhase();
    return "Succeeded".equals(phase) || "Failed".equals(phase);
  }

  /** Deletes the oldest terminated pods beyond the threshold (oldest by creation, then name). */
  private void gcTerminated() {
    List<Pod> done = pods.getStore().list().stream().filter(PodGC::terminated)
        .filter(p -> p.getMetadata().getDeletionTimestamp() == null)
        .sorted(java.util.Comparator.comparing((Pod p) -> String.valueOf(p.getMetadata().getCreationTimestamp()))
            .thenComparing(p -> p.getMetadata().getNamespace() + "/" + p.getMetadata().getName()))
        .toList();
    int excess = done.size() - terminatedThreshold;
    for (int i = 0; i < excess; i++) forceDelete(done.get(i), "more than " + terminatedThreshold + " terminated pods");
  }

  private void enqueuePodsOn(String node) {
    for (Pod p : NodeLifecycleController.podsOn(pods, node)) controller.enqueue(Keys.of(p));
  }

  static boolean unreachable(Node n) {
    List<Taint> taints = n.getSpec() == null ? null : n.getSpec().getTaints();
    if (taints == null) return false;
    return taints.stream().anyMatch(t -> NodeLifecycleController.TAINT_UNREACHABLE.equals(t.getKey()) && "NoExecute".equals(t.getEffect()));
  }

  private void sync(String key) {
    if (key.equals(TERMINATED_KEY)) {
      gcTerminated();
      return;
    }
    Pod pod = pods.getStore().getByKey(key);
    if (pod == null) return;
    String nodeName = pod.getSpec().getNodeName();
    if (nodeName == null || nodeName.isEmpty()) return;
    Node node = nodes.getStore().getByKey(nodeName);
    if (node == null) {
      // The cache may lag a node just created: ask the API before deleting anything.
      try {
        if (client.nodes().withName(nodeName).get() != null) return;
      } catch (KubernetesClientException e) {
        if (e.getCode() != 404) throw e;
      }
      forceDelete(pod, "node " + nodeName + " does not exist");
    } else if (pod.getMetadata().getDeletionTimestamp() != null && unreachable(node)) {
      forceDelete(pod, "terminating on unreachable node " + nodeName);
    }
  }

  private void forceDelete(Pod pod, String why) {
    String ns = pod.getMetadata().getNamespace();
    String name = pod.getMetadata().getName();
    LOG.info("force-deleting pod: pod={}/{} reason={}", ns, name, why);
    try {
      client.pods().inNamespace(ns).withName(name).withGracePeriod(0).delete();
    } catch (KubernetesClientException e) {
      if (e.getCode() != 404) throw e;
    }
  }

  @Override
  public void close() {
    controller.close();
  }
}
