package io.gubernator.scheduler.framework.plugins;

import io.fabric8.kubernetes.api.model.ContainerBuilder;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.gubernator.scheduler.framework.NodeInfo;
import io.gubernator.scheduler.framework.PodRequests;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;

/** Small builders for plugin tests: resource lists as "cpu=1,memory=1Gi". */
public final class Fixtures {

  private Fixtures() {
  }

  public static Map<String, Quantity> res(String spec) {
    Map<String, Quantity> m = new HashMap<>();
    if (spec.isEmpty()) return m;
    for (String kv : spec.split(",")) {
      String[] p = kv.split("=");
      m.put(p[0], new Quantity(p[1]));
    }
    return m;
  }

  public static Node node(String name, String allocatable) {
    return new NodeBuilder().withNewMetadata().withName(name).endMetadata().withNewSpec().endSpec()
        .withNewStatus().withAllocatable(res(allocatable)).withCapacity(res(allocatable)).endStatus().build();
  }

  /** A pod with one container per request spec, separated by ";". */
  public static Pod pod(String... containers) {
    PodBuilder b = new PodBuilder().withNewMetadata().withName("p").withNamespace("ns").withUid(UUID.randomUUID().toString()).endMetadata()
        .withNewSpec().endSpec();
    int i = 0;
    for (String c : containers) {
      b.editSpec().addToContainers(new ContainerBuilder().withName("c" + i++).withImage("i")
          .withNewResources().withRequests(res(c)).endResources().build()).endSpec();
    }
    return b.build();
  }

  public static NodeInfo nodeInfo(Node node, Pod... pods) {
    NodeInfo n = new NodeInfo(node);
    for (Pod p : pods) n.addPod(new NodeInfo.PodInfo(p, PodRequests.of(p)));
    return n;
  }
}
