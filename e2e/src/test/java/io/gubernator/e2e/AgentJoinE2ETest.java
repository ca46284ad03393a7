package io.gubernator.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code gubernator agent} joins a server (started without its own agent) with the node token the
 * server wrote, registers its node and runs the pods scheduled to it.
 */
class AgentJoinE2ETest extends KubectlTestBase {

  @TempDir
  static Path agentDir;

  static Process agent;

  @AfterAll
  static void stopAgent() throws Exception {
    if (agent == null) return;
    kubectl.run("delete", "pods", "--all", "--grace-period=1", "--wait=true", "--timeout=60s");
    agent.destroy();
    if (!agent.waitFor(30, TimeUnit.SECONDS)) agent.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
  }

  @Test
  void anAgentJoinsWithTheNodeTokenAndRunsPods() throws Exception {
    String token = Files.readString(server.dataDir().resolve("node-token")).trim();
    assertThat(token).matches("K10[0-9a-f]{64}::[0-9a-f]+");
    Path log = Path.of("target", "e2e-logs", "AgentJoinE2ETest-agent.log").toAbsolutePath();
    agent = new ProcessBuilder("./gubernator", "agent", "--server", "https://127.0.0.1:" + server.port(), "--token", token,
        "--data-dir", agentDir.toString(), "--node-name", "joined-1", "--node-ip", "127.0.0.1", "--kubelet-port", "0")
        .directory(GubernatorServer.repositoryRoot().toFile()).redirectErrorStream(true)
        .redirectOutput(log.toFile()).start();
    Awaitility.await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(500)).until(() ->
        "True".equals(kubectl.run("get", "node", "joined-1", "-o", "jsonpath={.status.conditions[?(@.type==\"Ready\")].status}").stdout()));
    assertThat(jsonpath("{.spec.podCIDR}", "node", "joined-1")).startsWith("10.42.");
    // The node's story in describe's Events, from the kubelet and the node controller.
    Awaitility.await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(500)).untilAsserted(() ->
        assertThat(kubectl.run("describe", "node", "joined-1").stdout())
            .containsPattern("Normal +Starting +\\S+ +kubelet +Starting kubelet\\.")
            .containsPattern("Normal +NodeHasSufficientMemory +\\S+ +kubelet +Node joined-1 status is now: NodeHasSufficientMemory")
            .containsPattern("Normal +NodeReady +\\S+ +kubelet +Node joined-1 status is now: NodeReady")
            .containsPattern("Normal +RegisteredNode +\\S+ +node-controller +Node joined-1 event: Registered Node joined-1 in Controller"));
    ok("run", "hello", "--image=localhost/busybox:1", "--restart=Never", "--", "sh", "-c", "echo joined; sleep 3600");
    Awaitility.await().atMost(Duration.ofSeconds(60)).until(() ->
        "Running".equals(kubectl.run("get", "pod", "hello", "-o", "jsonpath={.status.phase}").stdout()));
    assertThat(jsonpath("{.spec.nodeName}", "pod", "hello")).isEqualTo("joined-1");
    Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> kubectl.run("logs", "hello").stdout().equals("joined\n"));
  }

  @Test
  void anAgentRefusesAServerWhoseCaDoesNotMatchItsToken() throws Exception {
    String forged = "K10" + "0".repeat(64) + "::secret";
    Process p = new ProcessBuilder("./gubernator", "agent", "--server", "https://127.0.0.1:" + server.port(), "--token", forged,
        "--data-dir", agentDir.resolve("forged").toString(), "--kubelet-port", "0")
        .directory(GubernatorServer.repositoryRoot().toFile()).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes());
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).isNotZero();
    assertThat(out).contains("does not match the join token: refusing to join");
  }
}
