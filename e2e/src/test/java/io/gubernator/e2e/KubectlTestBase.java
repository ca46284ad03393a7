package io.gubernator.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.io.TempDir;

/**
 * One {@code ./gubernator server} per test class (a start costs about 3 s), and a kubectl for it.
 * Set-up steps use {@code kubectl apply -f -}, which sends JSON, so that a test fails only for the
 * behaviour it is named after and not because another command's encoding is missing.
 */
abstract class KubectlTestBase {

  @TempDir
  static Path dataDir;

  static GubernatorServer server;
  static Kubectl kubectl;

  @BeforeAll
  static void startServer(TestInfo info) throws Exception {
    Class<?> test = info.getTestClass().orElseThrow();
    ServerArgs args = test.getAnnotation(ServerArgs.class);
    server = GubernatorServer.start(dataDir, test.getSimpleName(), args == null ? new String[0] : args.value());
    kubectl = new Kubectl(server.kubeconfig());
  }

  @AfterAll
  static void stopServer() throws Exception {
    if (server != null) {
      server.close();
      server = null;
    }
  }

  /** Runs kubectl and asserts that it succeeded, showing the whole run when it did not. */
  static Kubectl.Result ok(String... args) {
    return assertOk(kubectl.run(args));
  }

  static Kubectl.Result assertOk(Kubectl.Result result) {
    assertThat(result.exitCode()).as("%s", result).isZero();
    return result;
  }

  /** Asserts that kubectl failed with exit code 1, as it does for every error it reports. */
  static Kubectl.Result assertFails(Kubectl.Result result) {
    assertThat(result.exitCode()).as("%s", result).isEqualTo(1);
    return result;
  }

  /** {@code kubectl apply -f -} with the given manifest; asserts success. */
  static Kubectl.Result apply(String yaml, String... extraArgs) {
    String[] args = concat(new String[] {"apply", "-f", "-"}, extraArgs);
    return assertOk(kubectl.runWithStdin(yaml, args));
  }

  /** Creates a namespace through apply (JSON), for tests that need a set of objects of their own. */
  static String namespace(String name) {
    apply("apiVersion: v1\nkind: Namespace\nmetadata:\n  name: " + name + "\n");
    return name;
  }

  /** {@code kubectl get ... -o jsonpath=EXPR}, the value as kubectl prints it. */
  static String jsonpath(String expression, String... target) {
    return ok(concat(concat(new String[] {"get"}, target), new String[] {"-o", "jsonpath=" + expression})).stdout();
  }

  /** Splits a table row on kubectl's column padding (two or more spaces never occur inside a cell here). */
  static List<String> columns(String line) {
    return Arrays.asList(line.trim().split("\\s{2,}"));
  }

  /** The row of a kubectl table whose first column is {@code name}. */
  static List<String> row(Kubectl.Result table, String name) {
    return table.lines().stream()
        .map(KubectlTestBase::columns)
        .filter(cells -> cells.get(0).equals(name))
        .findFirst()
        .orElseThrow(() -> new AssertionError("no row " + name + " in\n" + table));
  }

  static String[] concat(String[] first, String[] second) {
    String[] all = Arrays.copyOf(first, first.length + second.length);
    System.arraycopy(second, 0, all, first.length, second.length);
    return all;
  }

  /** A minimal Deployment manifest: one nginx container, label app=NAME. */
  static String deployment(String name, String namespace, int replicas, String image) {
    return """
        apiVersion: apps/v1
        kind: Deployment
        metadata:
          name: %1$s
          namespace: %2$s
          labels: {app: %1$s}
        spec:
          replicas: %3$d
          selector:
            matchLabels: {app: %1$s}
          template:
            metadata:
              labels: {app: %1$s}
            spec:
              containers:
              - name: nginx
                image: %4$s
        """.formatted(name, namespace, replicas, image);
  }

  static String configMap(String name, String namespace, String labels) {
    return """
        apiVersion: v1
        kind: ConfigMap
        metadata:
          name: %s
          namespace: %s
          labels: {%s}
        data:
          key: value
        """.formatted(name, namespace, labels);
  }
}
