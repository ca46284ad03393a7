package io.gubernator.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The control plane end to end with the real kubectl: scheduler, controllers and three hollow
 * nodes (simulated kubelets) in one {@code ./gubernator server}, so pods become Running.
 */
@ServerArgs({"--hollow-nodes", "3"})
class HollowClusterE2ETest extends KubectlTestBase {

  private static final String NS = "default";

  @Test
  void nodesRegisterReady() {
    ok("wait", "--for=condition=Ready", "node", "--all", "--timeout=60s");
    Kubectl.Result nodes = ok("get", "nodes");
    assertThat(nodes.lines()).filteredOn(l -> l.startsWith("hollow-node-")).hasSize(3)
        .allSatisfy(l -> assertThat(columns(l).get(1)).isEqualTo("Ready"));
  }

  @Test
  void deploymentRollsOutAndUndoes() {
    ok("create", "deployment", "web", "--image=nginx:1.27", "--replicas=3", "-n", NS);
    assertThat(ok("rollout", "status", "deployment/web", "-n", NS, "--timeout=60s").stdout())
        .contains("successfully rolled out");
    assertThat(row(ok("get", "deploy", "web", "-n", NS), "web").subList(1, 4)).containsExactly("3/3", "3", "3");

    ok("set", "image", "deployment/web", "nginx=nginx:1.28", "-n", NS);
    ok("rollout", "status", "deployment/web", "-n", NS, "--timeout=60s");
    assertThat(jsonpath("{.spec.template.spec.containers[0].image}", "deploy/web", "-n", NS)).isEqualTo("nginx:1.28");

    ok("rollout", "undo", "deployment/web", "-n", NS);
    ok("rollout", "status", "deployment/web", "-n", NS, "--timeout=60s");
    assertThat(jsonpath("{.spec.template.spec.containers[0].image}", "deploy/web", "-n", NS)).isEqualTo("nginx:1.27");
    List<String> pods = ok("get", "pods", "-n", NS, "-l", "app=web", "-o", "jsonpath={range .items[*]}{.status.phase}{\"\\n\"}{end}").lines();
    assertThat(pods).hasSize(3).containsOnly("Running");
  }

  @Test
  void scaleAndOrphaningDelete() {
    ok("create", "deployment", "scaled", "--image=nginx:1.27", "--replicas=1", "-n", NS);
    ok("scale", "deployment/scaled", "--replicas=4", "-n", NS);
    ok("rollout", "status", "deployment/scaled", "-n", NS, "--timeout=60s");
    assertThat(jsonpath("{.status.availableReplicas}", "deploy/scaled", "-n", NS)).isEqualTo("4");

    ok("delete", "deployment", "scaled", "--cascade=orphan", "-n", NS);
    assertThat(ok("get", "pods", "-l", "app=scaled", "-n", NS, "-o", "name").lines()).hasSize(4);
  }

  @Test
  void nodeSelectorPlacesAndImpossiblePodsSayWhy() {
    String node = ok("get", "nodes", "-o", "jsonpath={.items[0].metadata.name}").stdout().trim();
    apply("""
        apiVersion: v1
        kind: Pod
        metadata: {name: pinned}
        spec:
          nodeSelector: {kubernetes.io/hostname: %s}
          containers: [{name: c, image: nginx}]
        """.formatted(node));
    ok("wait", "--for=condition=Ready", "pod/pinned", "--timeout=60s");
    assertThat(jsonpath("{.spec.nodeName}", "pod/pinned")).isEqualTo(node);
    assertThat(jsonpath("{.status.conditions[?(@.type==\"PodScheduled\")].status}", "pod/pinned")).isEqualTo("True");
    assertThat(ok("describe", "pod", "pinned").stdout()).containsPattern("Successfully assigned default/pinned to " + node);

    apply("""
        apiVersion: v1
        kind: Pod
        metadata: {name: huge}
        spec:
          containers: [{name: c, image: nginx, resources: {requests: {cpu: "64"}}}]
        """);
    ok("wait", "--for=condition=PodScheduled=false", "pod/huge", "--timeout=60s");
    assertThat(ok("describe", "pod", "huge").stdout())
        .contains("FailedScheduling")
        .contains("0/3 nodes are available: 3 Insufficient cpu.");
  }
}
