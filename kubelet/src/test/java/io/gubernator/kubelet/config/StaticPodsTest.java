package io.gubernator.kubelet.config;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Pod;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class StaticPodsTest {

  @TempDir
  Path dir;

  private static final String MANIFEST = """
      apiVersion: v1
      kind: Pod
      metadata: {name: web}
      spec:
        containers: [{name: c, image: "busybox:1"}]
      """;

  @Test
  void aManifestBecomesANodeSuffixedPodWithAContentDerivedUid() throws Exception {
    Files.writeString(dir.resolve("web.yaml"), MANIFEST);
    Files.writeString(dir.resolve("broken.yaml"), "kind: Pod\nmetadata: [");
    Files.writeString(dir.resolve("service.yaml"), "apiVersion: v1\nkind: Service\nmetadata: {name: s}\n");
    Map<String, Pod> pods = StaticPods.read(dir, "n1");
    assertThat(pods).hasSize(1);
    Pod pod = pods.values().iterator().next();
    assertThat(pod.getMetadata().getName()).isEqualTo("web-n1");
    assertThat(pod.getMetadata().getNamespace()).isEqualTo("default");
    assertThat(pod.getSpec().getNodeName()).isEqualTo("n1");
    assertThat(pod.getMetadata().getAnnotations()).containsEntry(StaticPods.CONFIG_SOURCE, "file")
        .containsEntry(StaticPods.CONFIG_HASH, pod.getMetadata().getUid());
    assertThat(pod.getSpec().getContainers().get(0).getImagePullPolicy()).isEqualTo("IfNotPresent");
    assertThat(StaticPods.read(dir, "n1").keySet()).isEqualTo(pods.keySet());
    assertThat(StaticPods.read(dir, "n2").keySet()).doesNotContainAnyElementsOf(pods.keySet());
    Files.writeString(dir.resolve("web.yaml"), MANIFEST.replace("busybox:1", "busybox:2"));
    assertThat(StaticPods.read(dir, "n1").keySet()).doesNotContainAnyElementsOf(pods.keySet());
  }

  @Test
  void theMirrorIsMarkedAndOwnedByTheNode() throws Exception {
    Files.writeString(dir.resolve("web.yaml"), MANIFEST);
    Pod pod = StaticPods.read(dir, "n1").values().iterator().next();
    Pod mirror = StaticPods.mirror(pod, "node-uid");
    assertThat(StaticPods.isMirror(mirror)).isTrue();
    assertThat(StaticPods.isMirror(pod)).isFalse();
    assertThat(mirror.getMetadata().getUid()).isNull();
    assertThat(mirror.getMetadata().getOwnerReferences()).singleElement()
        .satisfies(o -> assertThat(o.getKind() + "/" + o.getName() + "/" + o.getUid()).isEqualTo("Node/n1/node-uid"));
  }
}
