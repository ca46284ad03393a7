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

  @Test
  void drainEvictsThroughTheDisruptionBudget() {
    String ns = namespace("drain");
    ok("create", "deployment", "guarded", "--image=nginx:1.27", "--replicas=3", "-n", ns);
    ok("rollout", "status", "deployment/guarded", "-n", ns, "--timeout=60s");
    ok("create", "poddisruptionbudget", "guarded", "--selector=app=guarded", "--min-available=3", "-n", ns);
    ok("wait", "--for=jsonpath={.status.currentHealthy}=3", "pdb/guarded", "-n", ns, "--timeout=30s");
    assertThat(row(ok("get", "pdb", "guarded", "-n", ns), "guarded").subList(1, 4)).containsExactly("3", "N/A", "0");
    String node = jsonpath("{.items[0].spec.nodeName}", "pods", "-l", "app=guarded", "-n", ns);
    try {
      // No disruption allowed: every eviction is refused with 429 and kubectl retries until its timeout.
      Kubectl.Result refused = assertFails(kubectl.run("drain", node, "--pod-selector=app=guarded", "--timeout=7s"));
      assertThat(refused.stderr()).contains("(will retry after 5s): Cannot evict pod as it would violate the pod's disruption budget.");
      assertThat(jsonpath("{.spec.unschedulable}", "node", node)).isEqualTo("true");
      assertThat(ok("get", "pods", "-l", "app=guarded", "-n", ns, "--field-selector", "spec.nodeName=" + node, "-o", "name").lines())
          .isNotEmpty();

      // One disruption at a time: the drain evicts, waits for the replacement, and finishes.
      ok("patch", "pdb", "guarded", "-n", ns, "--type=merge", "-p", "{\"spec\":{\"minAvailable\":2}}");
      ok("wait", "--for=jsonpath={.status.disruptionsAllowed}=1", "pdb/guarded", "-n", ns, "--timeout=30s");
      assertThat(ok("drain", node, "--pod-selector=app=guarded", "--timeout=60s").stdout()).contains("node/" + node + " drained");
      assertThat(ok("get", "pods", "-l", "app=guarded", "-n", ns, "--field-selector", "spec.nodeName=" + node, "-o", "name").lines())
          .isEmpty();
      ok("rollout", "status", "deployment/guarded", "-n", ns, "--timeout=60s");
      ok("wait", "--for=jsonpath={.status.currentHealthy}=3", "pdb/guarded", "-n", ns, "--timeout=30s");
      assertThat(jsonpath("{.status.expectedPods} {.status.desiredHealthy} {.status.disruptionsAllowed}", "pdb/guarded", "-n", ns))
          .isEqualTo("3 2 1");
    } finally {
      ok("uncordon", node);
    }
  }
}
