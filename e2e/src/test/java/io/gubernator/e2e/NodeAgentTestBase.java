package io.gubernator.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;

/**
 * A server with its node agent: its own containerd under the data directory, pods as real
 * containers. The node reports 127.0.0.1 as its address (tests talk to loopback and to pod
 * addresses only) and the kubelet takes a free port. Every pod is deleted before the server stops:
 * containers outlive a server stop on purpose, so a test run must remove its own.
 */
@ServerArgs({"--kubelet-port", "0", "--node-ip", "127.0.0.1"})
abstract class NodeAgentTestBase extends KubectlTestBase {

  static final String BUSYBOX = "localhost/busybox:1";

  @AfterAll
  static void deleteAllPods() {
    if (server == null || !server.isAlive()) return;
    // Controllers first, or they would replace the pods deleted next.
    kubectl.run("delete", "deployments,replicasets,replicationcontrollers,statefulsets,daemonsets,jobs", "--all", "--all-namespaces",
        "--cascade=orphan", "--wait=true", "--timeout=60s");
    kubectl.run("delete", "pods", "--all", "--all-namespaces", "--grace-period=1", "--wait=true", "--timeout=60s");
  }

  /** A one-container busybox pod running {@code script} with sh -c. */
  static String pod(String name, String restartPolicy, String script) {
    return """
        apiVersion: v1
        kind: Pod
        metadata: {name: %s}
        spec:
          restartPolicy: %s
          terminationGracePeriodSeconds: 2
          containers:
          - name: main
            image: %s
            command: ["sh", "-c", %s]
        """.formatted(name, restartPolicy, BUSYBOX, quote(script));
  }

  static String quote(String s) {
    return "\"" + s.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
  }

  /** Waits until {@code jsonpath} on pod {@code name} satisfies {@code wanted}; returns the value. */
  static String awaitPod(String name, String jsonpath, Predicate<String> wanted, Duration timeout) {
    String[] last = {""};
    try {
      Awaitility.await().atMost(timeout).pollInterval(Duration.ofMillis(250)).until(() -> {
        Kubectl.Result r = kubectl.run("get", "pod", name, "-o", "jsonpath=" + jsonpath);
        last[0] = r.stdout();
        return r.exitCode() == 0 && wanted.test(r.stdout());
      });
    } catch (org.awaitility.core.ConditionTimeoutException e) {
      throw new AssertionError("pod " + name + " " + jsonpath + " still " + last[0] + " after " + timeout + "\n"
          + kubectl.run("describe", "pod", name).stdout());
    }
    return last[0];
  }

  static void awaitRunning(String name) {
    awaitPod(name, "{.status.phase}", "Running"::equals, Duration.ofSeconds(60));
  }

  /** The containers containerd holds in the CRI namespace, through its own ctr (as an operator would check). */
  static List<String> runtimeContainers() throws IOException, InterruptedException {
    return runtimeContainers(null);
  }

  /** The containers (sandboxes included) of the pod with this UID, as ctr lists them. */
  static List<String> runtimeContainersOfPod(String uid) throws IOException, InterruptedException {
    return runtimeContainers("labels.\"io.kubernetes.pod.uid\"==" + uid);
  }

  private static List<String> runtimeContainers(String filter) throws IOException, InterruptedException {
    Path socket = server.dataDir().resolve("agent/containerd/containerd.sock");
    List<String> command = new java.util.ArrayList<>(List.of("ctr", "--address", socket.toString(), "-n", "k8s.io", "containers", "ls", "-q"));
    if (filter != null) command.add(filter);
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes());
    assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).as(out).isZero();
    return out.lines().filter(l -> !l.isBlank()).toList();
  }
}
