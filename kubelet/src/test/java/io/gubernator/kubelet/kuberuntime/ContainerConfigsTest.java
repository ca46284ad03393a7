package io.gubernator.kubelet.kuberuntime;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.EphemeralContainerBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.gubernator.api.resource.Containers;
import io.gubernator.kubelet.cri.v1.ContainerConfig;
import io.gubernator.kubelet.cri.v1.NamespaceMode;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ContainerConfigsTest {

  private static Pod pod(boolean privilegedDebugger) {
    return new PodBuilder().withNewMetadata().withName("web").withNamespace("default").withUid("u1").endMetadata()
        .withNewSpec().addNewContainer().withName("app").withImage("busybox:1").endContainer()
        .withEphemeralContainers(new EphemeralContainerBuilder().withName("dbg").withImage("busybox:1").withTargetContainerName("app")
            .withNewSecurityContext().withPrivileged(privilegedDebugger).endSecurityContext().build())
        .endSpec().build();
  }

  @Test
  void anEphemeralContainerSharesItsTargetsProcessesAndIsMarked() {
    Pod pod = pod(false);
    ContainerConfig plain = ContainerConfigs.container(pod, Containers.of(pod.getSpec().getEphemeralContainers().get(0)), false, 0,
        "busybox:1", Map.of(), List.of());
    ContainerConfig targeted = ContainerConfigs.ephemeral(plain, "c-app");
    var namespaces = targeted.getLinux().getSecurityContext().getNamespaceOptions();
    assertThat(namespaces.getPid()).isEqualTo(NamespaceMode.TARGET);
    assertThat(namespaces.getTargetId()).isEqualTo("c-app");
    assertThat(namespaces.getNetwork()).isEqualTo(NamespaceMode.POD);
    assertThat(targeted.getAnnotationsMap()).containsEntry(Labels.CONTAINER_TYPE, "ephemeral");
    // Without a target it keeps its own process namespace, as any container.
    assertThat(ContainerConfigs.ephemeral(plain, null).getLinux().getSecurityContext().getNamespaceOptions().getPid())
        .isEqualTo(NamespaceMode.CONTAINER);
  }

  @Test
  void aPrivilegedEphemeralContainerMakesTheSandboxConfigurationPrivileged() {
    Path logs = Path.of("/tmp/pod-logs");
    assertThat(ContainerConfigs.sandbox(pod(true), 0, logs).getLinux().getSecurityContext().getPrivileged()).isTrue();
    assertThat(ContainerConfigs.sandbox(pod(false), 0, logs).getLinux().getSecurityContext().getPrivileged()).isFalse();
  }
}
