package io.gubernator.scheduler.framework;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.AffinityBuilder;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodAffinityTermBuilder;
import io.fabric8.kubernetes.api.model.PodBuilder;
import org.junit.jupiter.api.Test;

class NodeInfoTest {

  private static Pod pod(String uid, boolean preferredAffinity, boolean requiredAnti) {
    Pod p = new PodBuilder().withNewMetadata().withName(uid).withNamespace("ns").withUid(uid).endMetadata()
        .withNewSpec().addNewContainer().withName("c").withImage("i").endContainer().endSpec().build();
    AffinityBuilder a = new AffinityBuilder();
    if (preferredAffinity) {
      a.withNewPodAffinity().addNewPreferredDuringSchedulingIgnoredDuringExecution().withWeight(1)
          .withPodAffinityTerm(new PodAffinityTermBuilder().withTopologyKey("zone").build()).endPreferredDuringSchedulingIgnoredDuringExecution()
          .endPodAffinity();
    }
    if (requiredAnti) {
      a.withNewPodAntiAffinity().addNewRequiredDuringSchedulingIgnoredDuringExecution().withTopologyKey("zone")
          .endRequiredDuringSchedulingIgnoredDuringExecution().endPodAntiAffinity();
    }
    if (preferredAffinity || requiredAnti) p.getSpec().setAffinity(a.build());
    return p;
  }

  private static NodeInfo.PodInfo info(Pod p) {
    return new NodeInfo.PodInfo(p, PodRequests.of(p));
  }

  @Test
  void podsWithAffinityAreTrackedThroughAddRemoveAndCopy() {
    NodeInfo n = new NodeInfo(new NodeBuilder().withNewMetadata().withName("n").endMetadata().build());
    n.addPod(info(pod("plain", false, false)));
    n.addPod(info(pod("preferred", true, false)));
    n.addPod(info(pod("anti", false, true)));
    assertThat(n.pods()).hasSize(3);
    assertThat(n.podsWithAffinity()).extracting(p -> p.pod().getMetadata().getUid()).containsExactly("preferred", "anti");
    assertThat(n.podsWithRequiredAntiAffinity()).extracting(p -> p.pod().getMetadata().getUid()).containsExactly("anti");

    NodeInfo copy = n.copy();
    assertThat(n.removePod("preferred")).isTrue();
    assertThat(n.podsWithAffinity()).extracting(p -> p.pod().getMetadata().getUid()).containsExactly("anti");
    assertThat(copy.podsWithAffinity()).hasSize(2);
    assertThat(n.removePod("anti")).isTrue();
    assertThat(n.podsWithAffinity()).isEmpty();
    assertThat(n.podsWithRequiredAntiAffinity()).isEmpty();
    assertThat(n.pods()).hasSize(1);
  }

  @Test
  void copyKeepsWhatFiltersReadWithoutTheNodeObject() {
    NodeInfo n = new NodeInfo(new NodeBuilder().withNewMetadata().withName("n").addToLabels("zone", "a").endMetadata()
        .withNewSpec().withUnschedulable(true).addNewTaint().withKey("k").withEffect("NoSchedule").endTaint().endSpec()
        .withNewStatus().addToAllocatable("cpu", new io.fabric8.kubernetes.api.model.Quantity("2")).endStatus().build());
    NodeInfo copy = n.copy();
    assertThat(copy.labels()).containsEntry("zone", "a");
    assertThat(copy.unschedulable()).isTrue();
    assertThat(copy.taints()).extracting(t -> t.getKey()).containsExactly("k");
    assertThat(copy.allocatable().milliCpu).isEqualTo(2000);
    assertThat(new NodeInfo(new NodeBuilder().withNewMetadata().withName("bare").endMetadata().build()).labels()).isEmpty();
  }
}
