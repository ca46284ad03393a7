package io.gubernator.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import io.gubernator.store.etcd.LocalEtcd;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code ./gubernator server --datastore-endpoint etcd://...} against a real etcd (Debian's 3.4,
 * started here on loopback): kubectl works the same, the controllers run, and a second server on
 * a fresh data dir but the same etcd sees the objects.
 */
class EtcdDatastoreE2ETest {

  @Test
  @Timeout(value = 8, unit = TimeUnit.MINUTES) // two server starts, either may include a launcher rebuild
  void theClusterKeepsItsStateInEtcd(@TempDir Path first, @TempDir Path second) throws Exception {
    try (LocalEtcd etcd = LocalEtcd.start()) {
      String uid;
      try (GubernatorServer server = GubernatorServer.start(first, "EtcdDatastoreE2ETest-first",
          "--datastore-endpoint", etcd.url())) {
        Kubectl kubectl = new Kubectl(server.kubeconfig());
        ok(kubectl.run("create", "namespace", "in-etcd"));
        ok(kubectl.run("create", "deployment", "web", "--image=nginx:1.27", "--replicas=2", "-n", "in-etcd"));
        ok(kubectl.run("wait", "deploy/web", "-n", "in-etcd", "--for=jsonpath={.status.replicas}=2", "--timeout=60s"));
        uid = ok(kubectl.run("get", "deploy", "web", "-n", "in-etcd", "-o", "jsonpath={.metadata.uid}")).stdout();
      }
      try (GubernatorServer server = GubernatorServer.start(second, "EtcdDatastoreE2ETest-second",
          "--datastore-endpoint", etcd.url())) {
        Kubectl kubectl = new Kubectl(server.kubeconfig());
        assertThat(ok(kubectl.run("get", "deploy", "web", "-n", "in-etcd", "-o", "jsonpath={.metadata.uid}")).stdout())
            .isEqualTo(uid);
        assertThat(ok(kubectl.run("get", "pods", "-n", "in-etcd", "-o", "name")).lines()).hasSize(2);
      }
    }
  }

  private static Kubectl.Result ok(Kubectl.Result result) {
    assertThat(result.exitCode()).as("%s", result).isZero();
    return result;
  }
}
