package io.gubernator.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

/**
 * Restarting Gubernator leaves running containers alone: the new kubelet finds them in containerd
 * and converges without starting anything twice.
 */
class AgentRestartE2ETest extends NodeAgentTestBase {

  @Test
  void podsKeepRunningAcrossAServerRestartWithUnchangedRestartCounts() throws Exception {
    apply("""
        apiVersion: apps/v1
        kind: Deployment
        metadata: {name: keeper}
        spec:
          replicas: 2
          selector: {matchLabels: {app: keeper}}
          template:
            metadata: {labels: {app: keeper}}
            spec:
              terminationGracePeriodSeconds: 1
              containers:
              - {name: main, image: %s, command: ["sh", "-c", "echo up; sleep 3600"]}
        """.formatted(BUSYBOX));
    Awaitility.await().atMost(Duration.ofSeconds(60)).until(() ->
        "2".equals(kubectl.run("get", "deploy", "keeper", "-o", "jsonpath={.status.availableReplicas}").stdout()));
    String before = ids();
    List<String> containersBefore = runtimeContainers();

    server.close();
    server = GubernatorServer.start(dataDir, "AgentRestartE2ETest-2", "--kubelet-port", "0", "--node-ip", "127.0.0.1");
    kubectl = new Kubectl(server.kubeconfig());

    Awaitility.await().atMost(Duration.ofSeconds(60)).until(() ->
        "True".equals(kubectl.run("get", "node", "-o", "jsonpath={.items[0].status.conditions[?(@.type==\"Ready\")].status}").stdout()));
    // Give the kubelet a few sync rounds to (wrongly) restart anything.
    Thread.sleep(5000);
    assertThat(ids()).isEqualTo(before);
    assertThat(jsonpath("{.items[*].status.containerStatuses[0].restartCount}", "pods", "-l", "app=keeper")).isEqualTo("0 0");
    assertThat(runtimeContainers()).containsExactlyInAnyOrderElementsOf(containersBefore);
    assertThat(ok("get", "pods", "-l", "app=keeper", "--no-headers").lines()).allMatch(l -> columns(l).get(2).equals("Running"));
    // The restarted kubelet still serves the logs of containers started by the previous one.
    String pod = jsonpath("{.items[0].metadata.name}", "pods", "-l", "app=keeper");
    assertThat(ok("logs", pod).stdout()).isEqualTo("up\n");
  }

  /** Pod names with their container IDs, sorted. */
  private static String ids() {
    return jsonpath("{range .items[*]}{.metadata.name}={.status.containerStatuses[0].containerID}{\"\\n\"}{end}", "pods", "-l", "app=keeper");
  }
}
