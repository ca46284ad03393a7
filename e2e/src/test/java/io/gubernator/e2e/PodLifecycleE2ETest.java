package io.gubernator.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

/** Real pods on the node agent with the real kubectl: phases, restarts, logs and deletion. */
class PodLifecycleE2ETest extends NodeAgentTestBase {

  @Test
  void runCreatesARunningPodWhoseLogsKubectlReads() throws Exception {
    ok("run", "counter", "--image=" + BUSYBOX, "--restart=Never", "--", "sh", "-c",
        "i=0; while true; do echo line $i; i=$((i+1)); sleep 0.2; done");
    awaitRunning("counter");
    String ip = jsonpath("{.status.podIP}", "pod", "counter");
    assertThat(ip).startsWith("10.42.");
    assertThat(jsonpath("{.status.hostIP}", "pod", "counter")).isEqualTo("127.0.0.1");
    assertThat(jsonpath("{.status.containerStatuses[0].containerID}", "pod", "counter")).startsWith("containerd://");
    Awaitility.await().atMost(Duration.ofSeconds(20)).until(() -> kubectl.run("logs", "counter").stdout().contains("line 5"));
    assertThat(ok("logs", "counter").stdout()).startsWith("line 0\nline 1\n");
    assertThat(ok("logs", "counter", "--tail=2").lines()).hasSize(2);
    assertThat(ok("logs", "counter", "--timestamps", "--tail=1").stdout()).matches("\\d{4}-\\d\\d-\\d\\dT[0-9:.]+Z line \\d+\\n");
    try (Kubectl.Background follow = kubectl.background("logs", "-f", "counter", "--tail=1")) {
      String first = follow.awaitLine(l -> l.startsWith("line "), Duration.ofSeconds(10));
      int n = Integer.parseInt(first.substring(5));
      follow.awaitLine(l -> l.equals("line " + (n + 3)), Duration.ofSeconds(10));
    }
  }

  @Test
  void restartPolicyDecidesThePhaseWhenContainersExit() {
    apply(pod("fails", "Never", "echo bye; exit 3"));
    apply(pod("succeeds", "OnFailure", "exit 0"));
    awaitPod("fails", "{.status.phase}", "Failed"::equals, Duration.ofSeconds(60));
    assertThat(jsonpath("{.status.containerStatuses[0].state.terminated.exitCode}", "pod", "fails")).isEqualTo("3");
    assertThat(jsonpath("{.status.containerStatuses[0].state.terminated.reason}", "pod", "fails")).isEqualTo("Error");
    assertThat(ok("logs", "fails").stdout()).isEqualTo("bye\n");
    awaitPod("succeeds", "{.status.phase}", "Succeeded"::equals, Duration.ofSeconds(60));
    assertThat(jsonpath("{.status.containerStatuses[0].state.terminated.reason}", "pod", "succeeds")).isEqualTo("Completed");
    Kubectl.Result table = ok("get", "pods", "fails", "succeeds");
    assertThat(row(table, "fails").get(2)).isEqualTo("Error");
    assertThat(row(table, "succeeds").get(2)).isEqualTo("Completed");
  }

  @Test
  void aCrashingContainerBacksOffAndKeepsItsPreviousLogs() {
    apply(pod("crasher", "Always", "echo attempt; exit 1"));
    awaitPod("crasher", "{.status.containerStatuses[0].restartCount}", n -> !n.isEmpty() && Integer.parseInt(n) >= 2, Duration.ofSeconds(60));
    awaitPod("crasher", "{.status.containerStatuses[0].state.waiting.reason}", "CrashLoopBackOff"::equals, Duration.ofSeconds(30));
    assertThat(jsonpath("{.status.containerStatuses[0].lastState.terminated.exitCode}", "pod", "crasher")).isEqualTo("1");
    assertThat(row(ok("get", "pod", "crasher"), "crasher").get(2)).isEqualTo("CrashLoopBackOff");
    assertThat(ok("logs", "crasher", "--previous").stdout()).isEqualTo("attempt\n");
    assertThat(ok("describe", "pod", "crasher").stdout()).contains("Back-off restarting failed container main");
  }

  @Test
  void initContainersRunInOrderBeforeTheAppContainer() {
    apply("""
        apiVersion: v1
        kind: Pod
        metadata: {name: init-order}
        spec:
          terminationGracePeriodSeconds: 1
          volumes: [{name: work, emptyDir: {}}]
          initContainers:
          - {name: first, image: %1$s, command: ["sh", "-c", "echo first >> /work/order"], volumeMounts: [{name: work, mountPath: /work}]}
          - {name: second, image: %1$s, command: ["sh", "-c", "sleep 1; echo second >> /work/order"], volumeMounts: [{name: work, mountPath: /work}]}
          containers:
          - {name: app, image: %1$s, command: ["sh", "-c", "echo app >> /work/order; cat /work/order; sleep 3600"], volumeMounts: [{name: work, mountPath: /work}]}
        """.formatted(BUSYBOX));
    awaitRunning("init-order");
    Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> kubectl.run("logs", "init-order", "-c", "app").stdout().contains("app"));
    assertThat(ok("logs", "init-order", "-c", "app").stdout()).isEqualTo("first\nsecond\napp\n");
    assertThat(jsonpath("{.status.initContainerStatuses[*].state.terminated.reason}", "pod", "init-order")).isEqualTo("Completed Completed");
    assertThat(jsonpath("{.status.conditions[?(@.type==\"Initialized\")].status}", "pod", "init-order")).isEqualTo("True");
  }

  @Test
  void aContainerOverItsMemoryLimitIsOomKilled() {
    apply("""
        apiVersion: v1
        kind: Pod
        metadata: {name: hog}
        spec:
          restartPolicy: Never
          containers:
          - name: main
            image: %s
            command: ["sh", "-c", "dd if=/dev/zero of=/dev/null bs=96M count=1"]
            resources: {limits: {memory: 24Mi}}
        """.formatted(BUSYBOX));
    awaitPod("hog", "{.status.phase}", "Failed"::equals, Duration.ofSeconds(60));
    assertThat(jsonpath("{.status.containerStatuses[0].state.terminated.reason}", "pod", "hog")).isEqualTo("OOMKilled");
    assertThat(jsonpath("{.status.containerStatuses[0].state.terminated.exitCode}", "pod", "hog")).isEqualTo("137");
  }

  @Test
  void deletionHonoursTheGracePeriodAndLeavesNothingInTheRuntime() throws Exception {
    // The script ignores SIGTERM, so only the grace period's SIGKILL ends it.
    apply("""
        apiVersion: v1
        kind: Pod
        metadata: {name: stubborn}
        spec:
          terminationGracePeriodSeconds: 3
          containers:
          - {name: main, image: %s, command: ["sh", "-c", "trap '' TERM; while true; do sleep 0.1; done"]}
        """.formatted(BUSYBOX));
    awaitRunning("stubborn");
    String uid = jsonpath("{.metadata.uid}", "pod", "stubborn");
    assertThat(runtimeContainersOfPod(uid)).hasSize(2);
    long start = System.nanoTime();
    ok("delete", "pod", "stubborn", "--wait=true");
    long seconds = (System.nanoTime() - start) / 1_000_000_000;
    assertThat(seconds).isBetween(3L, 15L);
    assertThat(ok("get", "pods", "-o", "name").stdout()).doesNotContain("stubborn");
    Awaitility.await().atMost(Duration.ofSeconds(15)).until(() -> runtimeContainersOfPod(uid).isEmpty());
  }

  @Test
  void envAndVolumesComeFromConfigMapsSecretsAndTheDownwardApi() {
    ok("create", "configmap", "settings", "--from-literal=color=blue", "--from-literal=size=7");
    ok("create", "secret", "generic", "creds", "--from-literal=password=s3cr3t");
    apply("""
        apiVersion: v1
        kind: Pod
        metadata: {name: configured, labels: {tier: backend}}
        spec:
          terminationGracePeriodSeconds: 1
          volumes:
          - {name: cfg, configMap: {name: settings}}
          - {name: sec, secret: {secretName: creds, items: [{key: password, path: pw}]}}
          - name: info
            downwardAPI: {items: [{path: labels, fieldRef: {fieldPath: metadata.labels}}]}
          containers:
          - name: main
            image: %s
            command: ["sh", "-c", "echo color=$COLOR pw=$PW pod=$POD_NAME ip=$MY_IP msg=$(MSG); cat /cfg/size; echo; cat /sec/pw; echo; cat /info/labels; echo; grep ' /sec ' /proc/mounts | cut -d' ' -f3; sleep 3600"]
            env:
            - {name: COLOR, valueFrom: {configMapKeyRef: {name: settings, key: color}}}
            - {name: PW, valueFrom: {secretKeyRef: {name: creds, key: password}}}
            - {name: POD_NAME, valueFrom: {fieldRef: {fieldPath: metadata.name}}}
            - {name: MY_IP, valueFrom: {fieldRef: {fieldPath: status.podIP}}}
            - {name: MSG, value: "hi-$(POD_NAME)"}
            volumeMounts:
            - {name: cfg, mountPath: /cfg}
            - {name: sec, mountPath: /sec}
            - {name: info, mountPath: /info}
        """.formatted(BUSYBOX));
    awaitRunning("configured");
    String ip = jsonpath("{.status.podIP}", "pod", "configured");
    Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> kubectl.run("logs", "configured").stdout().contains("tmpfs"));
    assertThat(ok("logs", "configured").lines()).containsExactly(
        "color=blue pw=s3cr3t pod=configured ip=" + ip + " msg=hi-configured", "7", "s3cr3t", "tier=\"backend\"", "tmpfs");
  }

  @Test
  void aMissingConfigMapKeepsTheContainerWaitingWithKubernetesReason() {
    apply("""
        apiVersion: v1
        kind: Pod
        metadata: {name: missing-ref}
        spec:
          containers:
          - name: main
            image: %s
            command: ["sleep", "3600"]
            env: [{name: X, valueFrom: {configMapKeyRef: {name: nowhere, key: x}}}]
        """.formatted(BUSYBOX));
    awaitPod("missing-ref", "{.status.containerStatuses[0].state.waiting.reason}", "CreateContainerConfigError"::equals, Duration.ofSeconds(30));
    assertThat(jsonpath("{.status.containerStatuses[0].state.waiting.message}", "pod", "missing-ref")).isEqualTo("configmap \"nowhere\" not found");
    assertThat(jsonpath("{.status.phase}", "pod", "missing-ref")).isEqualTo("Pending");
  }

  @Test
  void podsReachEachOtherByPodIpAndContainersShareLocalhostAndVolumes() {
    // The sidecar writes the page into the shared emptyDir; the web container serves it; the
    // sidecar then checks it over localhost.
    apply("""
        apiVersion: v1
        kind: Pod
        metadata: {name: web}
        spec:
          terminationGracePeriodSeconds: 1
          volumes: [{name: www, emptyDir: {}}]
          containers:
          - {name: httpd, image: %1$s, command: ["httpd", "-f", "-p", "8080", "-h", "/www"], volumeMounts: [{name: www, mountPath: /www}]}
          - name: writer
            image: %1$s
            command: ["sh", "-c", "echo hello-from-sidecar > /www/index.html; sleep 1; wget -q -O - http://localhost:8080/; sleep 3600"]
            volumeMounts: [{name: www, mountPath: /www}]
        """.formatted(BUSYBOX));
    awaitRunning("web");
    Awaitility.await().atMost(Duration.ofSeconds(15)).until(() -> kubectl.run("logs", "web", "-c", "writer").stdout().contains("hello"));
    assertThat(ok("logs", "web", "-c", "writer").stdout()).isEqualTo("hello-from-sidecar\n");
    String ip = jsonpath("{.status.podIP}", "pod", "web");
    apply(pod("client", "Never", "wget -q -O - http://" + ip + ":8080/"));
    awaitPod("client", "{.status.phase}", "Succeeded"::equals, Duration.ofSeconds(60));
    assertThat(ok("logs", "client").stdout()).isEqualTo("hello-from-sidecar\n");
  }

  @Test
  void logsOfAMultiContainerPodNeedAContainerName() {
    apply("""
        apiVersion: v1
        kind: Pod
        metadata: {name: two}
        spec:
          terminationGracePeriodSeconds: 1
          containers:
          - {name: a, image: %1$s, command: ["sh", "-c", "echo from-a; sleep 3600"]}
          - {name: b, image: %1$s, command: ["sh", "-c", "echo from-b; sleep 3600"]}
        """.formatted(BUSYBOX));
    awaitRunning("two");
    Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> kubectl.run("logs", "two", "-c", "b").stdout().contains("from-b"));
    assertThat(ok("logs", "two", "--all-containers").lines()).containsExactlyInAnyOrder("from-a", "from-b");
    List<String> lines = ok("logs", "two", "--all-containers", "--prefix").lines();
    assertThat(lines).containsExactlyInAnyOrder("[pod/two/a] from-a", "[pod/two/b] from-b");
  }

  @Test
  void aFailingLivenessProbeRestartsTheContainer() {
    apply("""
        apiVersion: v1
        kind: Pod
        metadata: {name: liveness}
        spec:
          terminationGracePeriodSeconds: 1
          containers:
          - name: main
            image: %s
            command: ["sh", "-c", "touch /tmp/alive; sleep 2; rm /tmp/alive; sleep 3600"]
            livenessProbe: {exec: {command: ["cat", "/tmp/alive"]}, periodSeconds: 1, failureThreshold: 2}
        """.formatted(BUSYBOX));
    awaitPod("liveness", "{.status.containerStatuses[0].restartCount}", n -> !n.isEmpty() && Integer.parseInt(n) >= 1, Duration.ofSeconds(60));
    String events = ok("get", "events", "--field-selector", "involvedObject.name=liveness", "-o", "jsonpath={range .items[*]}{.reason}: {.message}{\"\\n\"}{end}").stdout();
    assertThat(events).contains("Unhealthy: Liveness probe failed: cat: can't open '/tmp/alive': No such file or directory");
    assertThat(events).contains("Killing: Container main failed liveness probe, will be restarted");
  }

  @Test
  void aReadinessProbeFlipsReadyBothWays() throws Exception {
    apply("""
        apiVersion: v1
        kind: Pod
        metadata: {name: readiness}
        spec:
          terminationGracePeriodSeconds: 1
          containers:
          - name: main
            image: %s
            command: ["sh", "-c", "sleep 2; touch /tmp/ready; sleep 4; rm /tmp/ready; sleep 3600"]
            readinessProbe: {exec: {command: ["cat", "/tmp/ready"]}, periodSeconds: 1, failureThreshold: 1}
        """.formatted(BUSYBOX));
    String ready = "{.status.conditions[?(@.type==\"Ready\")].status}";
    awaitRunning("readiness");
    awaitPod("readiness", ready, "True"::equals, Duration.ofSeconds(20));
    assertThat(row(ok("get", "pod", "readiness"), "readiness").get(1)).isEqualTo("1/1");
    awaitPod("readiness", ready, "False"::equals, Duration.ofSeconds(20));
    assertThat(row(ok("get", "pod", "readiness"), "readiness").get(1)).isEqualTo("0/1");
    assertThat(jsonpath("{.status.containerStatuses[0].restartCount}", "pod", "readiness")).isEqualTo("0");
  }

  @Test
  void aStaticPodRunsFromTheManifestDirectoryAndShowsAsAMirrorPod() throws Exception {
    String node = ok("get", "nodes", "-o", "jsonpath={.items[0].metadata.name}").stdout();
    java.nio.file.Path manifest = server.dataDir().resolve("agent/pod-manifests/static-echo.yaml");
    java.nio.file.Files.writeString(manifest, """
        apiVersion: v1
        kind: Pod
        metadata: {name: static-echo, namespace: kube-system}
        spec:
          terminationGracePeriodSeconds: 1
          containers:
          - {name: main, image: %s, command: ["sh", "-c", "echo static; sleep 3600"]}
        """.formatted(BUSYBOX));
    String name = "static-echo-" + node;
    Awaitility.await().atMost(Duration.ofSeconds(60)).until(() ->
        "Running".equals(kubectl.run("get", "pod", "-n", "kube-system", name, "-o", "jsonpath={.status.phase}").stdout()));
    assertThat(ok("get", "pod", "-n", "kube-system", name, "-o", "jsonpath={.metadata.annotations.kubernetes\\.io/config\\.source}").stdout())
        .isEqualTo("file");
    assertThat(ok("logs", "-n", "kube-system", name).stdout()).isEqualTo("static\n");
    String id = ok("get", "pod", "-n", "kube-system", name, "-o", "jsonpath={.status.containerStatuses[0].containerID}").stdout();
    // Deleting the mirror does not stop the static pod: the kubelet shows it again.
    ok("delete", "pod", "-n", "kube-system", name, "--wait=false");
    Awaitility.await().atMost(Duration.ofSeconds(60)).until(() ->
        id.equals(kubectl.run("get", "pod", "-n", "kube-system", name, "-o", "jsonpath={.status.containerStatuses[0].containerID}").stdout()));
    // Removing the manifest stops it and removes the mirror.
    java.nio.file.Files.delete(manifest);
    Awaitility.await().atMost(Duration.ofSeconds(60)).until(() ->
        kubectl.run("get", "pod", "-n", "kube-system", name).exitCode() == 1);
    Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> runtimeContainers().stream().noneMatch(c -> c.startsWith(id.substring(13))));
  }
}
