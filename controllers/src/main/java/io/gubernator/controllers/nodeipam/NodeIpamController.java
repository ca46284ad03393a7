package io.gubernator.controllers.nodeipam;

import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.gubernator.client.Controller;
import io.gubernator.client.EventRecorder;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * kube-controller-manager's node IPAM range allocator: every Node without a {@code podCIDR} gets
 * the next free block of the cluster CIDR, which its kubelet then hands to the CNI plugin. Blocks
 * already on nodes (also ones a node set itself, as hollow nodes do) are never given twice; one
 * worker keeps allocations sequential.
 */
public final class NodeIpamController implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(NodeIpamController.class);

  private final KubernetesClient client;
  private final SharedIndexInformer<Node> nodes;
  private final ClusterCidr cidr;
  private final EventRecorder events;
  private final Controller controller;
  /** Blocks handed out whose node update the cache may not show yet. */
  private final Set<String> assigned = new HashSet<>();

  public NodeIpamController(KubernetesClient client, SharedIndexInformer<Node> nodes, ClusterCidr cidr, EventRecorder events) {
    this.client = client;
    this.nodes = nodes;
    this.cidr = cidr;
    this.events = events;
    this.controller = new Controller("node-ipam-controller", 1, this::sync);
    nodes.addEventHandler(new io.fabric8.kubernetes.client.informers.ResourceEventHandler<>() {
      @Override
      public void onAdd(Node n) {
        controller.enqueue(n.getMetadata().getName());
      }

      @Override
      public void onUpdate(Node old, Node n) {
        controller.enqueue(n.getMetadata().getName());
      }

      @Override
      public void onDelete(Node n, boolean finalStateUnknown) {
        // A deleted node frees its block: nodes still waiting for one get another look.
        for (Node waiting : nodes.getStore().list()) {
          if (!hasPodCidr(waiting)) controller.enqueue(waiting.getMetadata().getName());
        }
      }
    });
  }

  public void start() {
    controller.start(List.of(nodes));
  }

  private void sync(String name) {
    Node node = nodes.getStore().getByKey(name);
    if (node == null || hasPodCidr(node)) return;
    Set<String> used = new HashSet<>(assigned);
    for (Node n : nodes.getStore().list()) {
      if (n.getSpec() != null && n.getSpec().getPodCIDR() != null) used.add(n.getSpec().getPodCIDR());
    }
    String block = cidr.firstFree(used);
    if (block == null) {
      // Retrying cannot help until a node goes away (see the delete handler): say so once and wait.
      events.event(node, EventRecorder.NORMAL, "CIDRNotAvailable", "Node " + name + " status is now: CIDRNotAvailable");
      LOG.warn("no free pod CIDR left: node={} clusterCIDR={}", name, cidr);
      return;
    }
    boolean[] set = {false};
    try {
      // The cache may lag our own earlier assignment: only a node that really has none gets one.
      client.nodes().withName(name).edit(n -> {
        if (!hasPodCidr(n)) {
          n.getSpec().setPodCIDR(block);
          n.getSpec().setPodCIDRs(List.of(block));
          set[0] = true;
        }
        return n;
      });
    } catch (KubernetesClientException e) {
      if (e.getCode() == 404) return;
      throw e;
    }
    if (!set[0]) return;
    assigned.add(block);
    LOG.info("pod CIDR assigned: node={} podCIDR={}", name, block);
  }

  private static boolean hasPodCidr(Node n) {
    return n.getSpec() != null && n.getSpec().getPodCIDR() != null && !n.getSpec().getPodCIDR().isEmpty();
  }

  @Override
  public void close() {
    controller.close();
  }
}
