package io.gubernator.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

/** What a pod spec asks of the node, checked from inside real containers. */
class PodSpecE2ETest extends NodeAgentTestBase {

  private static String logsWhen(String pod, String marker) {
    Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> kubectl.run("logs", pod).stdout().contains(marker));
    return ok("logs", pod).stdout();
  }

  @Test
  void securityContextSetsTheUserAndAReadOnlyRootFilesystem() {
    apply("""
        apiVersion: v1
        kind: Pod
        metadata: {name: secure}
        spec:
          restartPolicy: Never
          securityContext: {runAsUser: 1234, runAsGroup: 2345}
          containers:
          - name: main
            image: %s
            command: ["sh", "-c", "id -u; id -g; touch /x 2>/dev/null && echo writable || echo read-only; echo done"]
            securityContext: {readOnlyRootFilesystem: true}
        """.formatted(BUSYBOX));
    assertThat(logsWhen("secure", "done")).isEqualTo("1234\n2345\nread-only\ndone\n");
  }

  @Test
  void limitsBecomeCgroupSettingsAndMemoryEmptyDirIsTmpfs() {
    apply("""
        apiVersion: v1
        kind: Pod
        metadata: {name: limited}
        spec:
          restartPolicy: Never
          volumes: [{name: cache, emptyDir: {medium: Memory, sizeLimit: 8Mi}}]
          containers:
          - name: main
            image: %s
            command: ["sh", "-c", "cat /sys/fs/cgroup/cpu/cpu.cfs_quota_us /sys/fs/cgroup/cpu/cpu.cfs_period_us /sys/fs/cgroup/memory/memory.limit_in_bytes; grep ' /cache ' /proc/mounts | cut -d' ' -f1,3; echo done"]
            resources: {limits: {cpu: 250m, memory: 64Mi}}
            volumeMounts: [{name: cache, mountPath: /cache}]
        """.formatted(BUSYBOX));
    assertThat(logsWhen("limited", "done")).isEqualTo("25000\n100000\n67108864\ntmpfs tmpfs\ndone\n");
    assertThat(jsonpath("{.status.qosClass}", "pod", "limited")).isEqualTo("Guaranteed");
  }

  @Test
  void hostNetworkPodsServeOnTheNodeAndHostPortsForwardToPods() throws Exception {
    apply("""
        apiVersion: v1
        kind: Pod
        metadata: {name: on-host}
        spec:
          hostNetwork: true
          terminationGracePeriodSeconds: 1
          containers:
          - {name: web, image: %s, command: ["sh", "-c", "mkdir -p /www && echo host-net > /www/index.html && httpd -f -p 127.0.0.1:18481 -h /www"]}
        """.formatted(BUSYBOX));
    apply("""
        apiVersion: v1
        kind: Pod
        metadata: {name: with-host-port}
        spec:
          terminationGracePeriodSeconds: 1
          containers:
          - name: web
            image: %s
            command: ["sh", "-c", "mkdir -p /www && echo host-port > /www/index.html && httpd -f -p 8080 -h /www"]
            ports: [{containerPort: 8080, hostPort: 18482, hostIP: 127.0.0.1}]
        """.formatted(BUSYBOX));
    awaitRunning("on-host");
    awaitRunning("with-host-port");
    assertThat(jsonpath("{.status.podIP}", "pod", "on-host")).isEqualTo("127.0.0.1");
    HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    assertThat(fetch(http, "http://127.0.0.1:18481/")).isEqualTo("host-net\n");
    assertThat(fetch(http, "http://127.0.0.1:18482/")).isEqualTo("host-port\n");
    // The node reaches pods on their own addresses too.
    assertThat(fetch(http, "http://" + jsonpath("{.status.podIP}", "pod", "with-host-port") + ":8080/")).isEqualTo("host-port\n");
  }

  private static String fetch(HttpClient http, String url) {
    String[] body = {null};
    Awaitility.await().atMost(Duration.ofSeconds(20)).ignoreExceptions().until(() -> {
      HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(2)).build(),
          HttpResponse.BodyHandlers.ofString());
      body[0] = r.body();
      return r.statusCode() == 200;
    });
    return body[0];
  }

  @Test
  void lifecycleHooksRunAfterStartAndBeforeStop() throws Exception {
    // The preStop hook leaves its mark in a hostPath directory the test reads.
    java.nio.file.Path marks = java.nio.file.Files.createTempDirectory(server.dataDir(), "hooks");
    apply("""
        apiVersion: v1
        kind: Pod
        metadata: {name: hooked}
        spec:
          terminationGracePeriodSeconds: 10
          volumes: [{name: marks, hostPath: {path: "%s"}}]
          containers:
          - name: main
            image: %s
            command: ["sh", "-c", "while [ ! -f /tmp/started ]; do sleep 0.1; done; cat /tmp/started; sleep 3600"]
            volumeMounts: [{name: marks, mountPath: /marks}]
            lifecycle:
              postStart: {exec: {command: ["sh", "-c", "echo post-start-ran > /tmp/started"]}}
              preStop: {exec: {command: ["sh", "-c", "echo pre-stop-ran > /marks/pre-stop"]}}
        """.formatted(marks, BUSYBOX));
    awaitRunning("hooked");
    assertThat(logsWhen("hooked", "post-start-ran")).isEqualTo("post-start-ran\n");
    ok("delete", "pod", "hooked", "--wait=true");
    assertThat(java.nio.file.Files.readString(marks.resolve("pre-stop"))).isEqualTo("pre-stop-ran\n");
  }

  @Test
  void aFailingPostStartHookKillsTheContainer() {
    apply("""
        apiVersion: v1
        kind: Pod
        metadata: {name: bad-hook}
        spec:
          terminationGracePeriodSeconds: 1
          containers:
          - name: main
            image: %s
            command: ["sleep", "3600"]
            lifecycle:
              postStart: {exec: {command: ["sh", "-c", "exit 3"]}}
        """.formatted(BUSYBOX));
    Awaitility.await().atMost(Duration.ofSeconds(60)).until(() -> {
      String n = kubectl.run("get", "pod", "bad-hook", "-o", "jsonpath={.status.containerStatuses[0].restartCount}").stdout();
      return !n.isEmpty() && Integer.parseInt(n) >= 1;
    });
    assertThat(ok("get", "events", "--field-selector", "involvedObject.name=bad-hook", "-o", "jsonpath={.items[*].reason}").stdout())
        .contains("FailedPostStartHook");
  }

  @Test
  void statsSummaryThroughTheNodeProxyReportsTheNodeAndItsPods() throws Exception {
    apply(pod("busy", "Always", "while true; do :; done"));
    awaitRunning("busy");
    String node = ok("get", "nodes", "-o", "jsonpath={.items[0].metadata.name}").stdout();
    var mapper = new com.fasterxml.jackson.databind.ObjectMapper();
    // usageNanoCores comes from two samples: ask twice.
    ok("get", "--raw", "/api/v1/nodes/" + node + "/proxy/stats/summary");
    Thread.sleep(1500);
    var summary = mapper.readTree(ok("get", "--raw", "/api/v1/nodes/" + node + "/proxy/stats/summary").stdout());
    assertThat(summary.path("node").path("nodeName").asText()).isEqualTo(node);
    assertThat(summary.path("node").path("memory").path("workingSetBytes").asLong()).isPositive();
    var busy = java.util.stream.StreamSupport.stream(summary.path("pods").spliterator(), false)
        .filter(p -> p.path("podRef").path("name").asText().equals("busy")).findFirst().orElseThrow();
    var container = busy.path("containers").path(0);
    assertThat(container.path("name").asText()).isEqualTo("main");
    assertThat(container.path("cpu").path("usageCoreNanoSeconds").asLong()).isPositive();
    // A busy loop uses most of a core.
    assertThat(container.path("cpu").path("usageNanoCores").asLong()).isGreaterThan(200_000_000L);
    assertThat(container.path("memory").path("workingSetBytes").asLong()).isPositive();
  }
}
