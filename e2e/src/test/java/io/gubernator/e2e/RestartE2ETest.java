package io.gubernator.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** A second start on the same data directory keeps every object, its identity and the TLS material. */
class RestartE2ETest {

  @Test
  @Timeout(value = 8, unit = TimeUnit.MINUTES) // two server starts, either may include a launcher rebuild
  void secondStartOnTheSameDataDirKeepsObjects(@TempDir Path dataDir) throws Exception {
    String uid;
    String resourceVersion;
    String caBefore;
    try (GubernatorServer first = GubernatorServer.start(dataDir, "RestartE2ETest-first")) {
      Kubectl kubectl = new Kubectl(first.kubeconfig());
      ok(kubectl.runWithStdin("apiVersion: v1\nkind: Namespace\nmetadata:\n  name: durable\n", "apply", "-f", "-"));
      ok(kubectl.runWithStdin("""
          apiVersion: v1
          kind: ConfigMap
          metadata: {name: kept, namespace: durable, labels: {survives: "yes"}}
          data: {answer: "42"}
          """, "apply", "-f", "-"));
      ok(kubectl.run("run", "pending", "--image=nginx:1.27", "-n", "durable"));
      uid = ok(kubectl.run("get", "cm", "kept", "-n", "durable", "-o", "jsonpath={.metadata.uid}")).stdout();
      resourceVersion = ok(kubectl.run("get", "cm", "kept", "-n", "durable", "-o", "jsonpath={.metadata.resourceVersion}")).stdout();
      caBefore = ok(kubectl.run("config", "view", "--raw", "-o", "jsonpath={.clusters[0].cluster.certificate-authority-data}")).stdout();
    }

    try (GubernatorServer second = GubernatorServer.start(dataDir, "RestartE2ETest-second")) {
      Kubectl kubectl = new Kubectl(second.kubeconfig());
      // The kubeconfig is rewritten for the new port, but the CA stays: old clients keep trusting the server.
      assertThat(ok(kubectl.run("config", "view", "--raw", "-o", "jsonpath={.clusters[0].cluster.certificate-authority-data}")).stdout())
          .isEqualTo(caBefore);
      assertThat(ok(kubectl.run("get", "ns", "durable", "-o", "jsonpath={.status.phase}")).stdout()).isEqualTo("Active");
      assertThat(ok(kubectl.run("get", "cm", "kept", "-n", "durable",
          "-o", "jsonpath={.metadata.uid} {.metadata.resourceVersion} {.data.answer} {.metadata.labels.survives}")).stdout())
          .isEqualTo(uid + " " + resourceVersion + " 42 yes");
      assertThat(ok(kubectl.run("get", "pods", "-n", "durable", "-o", "name")).stdout()).isEqualTo("pod/pending\n");
      // The built-in objects are not created twice, and new writes continue after the old revisions.
      assertThat(ok(kubectl.run("get", "ns", "-o", "name")).lines()).doesNotHaveDuplicates()
          .contains("namespace/default", "namespace/kube-system", "namespace/durable");
      ok(kubectl.run("label", "cm", "kept", "-n", "durable", "again=yes"));
      String newVersion = ok(kubectl.run("get", "cm", "kept", "-n", "durable", "-o", "jsonpath={.metadata.resourceVersion}")).stdout();
      assertThat(Long.parseLong(newVersion)).isGreaterThan(Long.parseLong(resourceVersion));
    }
  }

  private static Kubectl.Result ok(Kubectl.Result result) {
    assertThat(result.exitCode()).as("%s", result).isZero();
    return result;
  }
}
