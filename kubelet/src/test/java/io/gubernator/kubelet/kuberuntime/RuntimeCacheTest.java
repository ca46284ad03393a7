package io.gubernator.kubelet.kuberuntime;

import static org.assertj.core.api.Assertions.assertThat;

import io.gubernator.kubelet.cri.v1.ContainerMetadata;
import io.gubernator.kubelet.cri.v1.ContainerState;
import io.gubernator.kubelet.cri.v1.ContainerStatus;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class RuntimeCacheTest {

  private final RuntimeCache cache = new RuntimeCache();

  private static RuntimePod pod(String uid, ContainerState... states) {
    List<ContainerStatus> containers = new java.util.ArrayList<>();
    for (int i = 0; i < states.length; i++) {
      containers.add(ContainerStatus.newBuilder().setId(uid + "-c" + i).setMetadata(ContainerMetadata.newBuilder().setName("c" + i))
          .setState(states[i]).setCreatedAt(i + 1).build());
    }
    return new RuntimePod(uid, List.of(), containers);
  }

  @Test
  void nothingIsServedBeforeTheFirstRelist() {
    cache.put(pod("u", ContainerState.CONTAINER_RUNNING), 10);
    assertThat(cache.get("u")).isNull();
    cache.replaceAll(Map.of("u", pod("u", ContainerState.CONTAINER_RUNNING)), 20);
    assertThat(cache.get("u")).isEqualTo(pod("u", ContainerState.CONTAINER_RUNNING));
    assertThat(cache.get("other")).as("a pod the relist did not find has nothing in the runtime").isEqualTo(RuntimePod.empty("other"));
  }

  @Test
  void aReadThatBeganEarlierNeverOverwritesOneThatBeganLater() {
    cache.replaceAll(Map.of("u", pod("u", ContainerState.CONTAINER_RUNNING)), 10);
    cache.put(pod("u", ContainerState.CONTAINER_EXITED), 30);
    cache.replaceAll(Map.of("u", pod("u", ContainerState.CONTAINER_RUNNING)), 20);
    assertThat(cache.get("u")).isEqualTo(pod("u", ContainerState.CONTAINER_EXITED));
    // Gone in a later relist; a worker's read from before it does not bring the pod back.
    cache.replaceAll(Map.of(), 40);
    cache.put(pod("u", ContainerState.CONTAINER_EXITED), 35);
    assertThat(cache.get("u")).isEqualTo(RuntimePod.empty("u"));
  }

  @Test
  void afterTheKubeletChangesAPodOnlyAReadThatBeganAfterTheChangeEndedIsServed() {
    cache.replaceAll(Map.of(), 10);
    assertThat(cache.get("u")).isEqualTo(RuntimePod.empty("u"));
    cache.changing("u");
    assertThat(cache.get("u")).isNull();
    // Reads that overlap the change may or may not show it: a relist that listed before the
    // sandbox was made would make the pod look empty, and the kubelet would make another.
    cache.replaceAll(Map.of(), 15);
    cache.put(pod("u", ContainerState.CONTAINER_CREATED), 25);
    assertThat(cache.get("u")).isNull();
    cache.changed("u", 30);
    cache.put(pod("u", ContainerState.CONTAINER_CREATED), 28);
    assertThat(cache.get("u")).isNull();
    cache.put(pod("u", ContainerState.CONTAINER_RUNNING), 31);
    assertThat(cache.get("u")).isEqualTo(pod("u", ContainerState.CONTAINER_RUNNING));
    assertThat(cache.get("v")).as("other pods are not held back").isEqualTo(RuntimePod.empty("v"));
  }

  @Test
  void twoChangesAtOnceHoldThePodUntilBothHaveEnded() {
    cache.replaceAll(Map.of(), 10);
    cache.changing("u");
    cache.changing("u");
    cache.changed("u", 20);
    cache.put(pod("u", ContainerState.CONTAINER_EXITED), 21);
    assertThat(cache.get("u")).isNull();
    cache.changed("u", 22);
    cache.replaceAll(Map.of("u", pod("u", ContainerState.CONTAINER_EXITED, ContainerState.CONTAINER_EXITED)), 23);
    assertThat(cache.get("u")).isEqualTo(pod("u", ContainerState.CONTAINER_EXITED, ContainerState.CONTAINER_EXITED));
  }
}
