package io.gubernator.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The kubelet evicts pods that outgrow their local storage, as Kubernetes' eviction manager does. */
class EvictionE2ETest extends NodeAgentTestBase {

  /** A pod (restartPolicy Always) that writes {@code kib} KiB into an emptyDir of {@code sizeLimit}, then stays up. */
  private static String writer(String name, String sizeLimit, int kib) {
    return """
        apiVersion: v1
        kind: Pod
        metadata: {name: %s}
        spec:
          terminationGracePeriodSeconds: 2
          volumes: [{name: scratch, emptyDir: {sizeLimit: %s}}]
          containers:
          - name: main
            image: %s
            command: ["sh", "-c", "dd if=/dev/zero of=/scratch/fill bs=1024 count=%d 2>/dev/null && echo written && sleep 3600"]
            volumeMounts: [{name: scratch, mountPath: /scratch}]
        """.formatted(name, sizeLimit, BUSYBOX, kib);
  }

  @Test
  void aPodWritingPastItsEmptyDirSizeLimitIsEvictedForGoodWhileOneUnderItKeepsRunning() throws Exception {
    apply(writer("under-limit", "1Mi", 256));
    apply(writer("over-limit", "1Mi", 4096));
    awaitPod("over-limit", "{.status.phase}/{.status.reason}", "Failed/Evicted"::equals, Duration.ofSeconds(60));
    assertThat(jsonpath("{.status.message}", "pod", "over-limit")).isEqualTo("Usage of EmptyDir volume \"scratch\" exceeds the limit \"1Mi\". ");
    assertThat(jsonpath("{.status.containerStatuses[0].state.terminated.exitCode}", "pod", "over-limit")).isEqualTo("137");
    assertThat(ok("get", "events", "--field-selector", "involvedObject.name=over-limit", "-o",
        "jsonpath={range .items[?(@.reason==\"Evicted\")]}{.type}: {.message}{\"\\n\"}{end}").stdout())
        .isEqualTo("Warning: Usage of EmptyDir volume \"scratch\" exceeds the limit \"1Mi\". \n");
    // The disk the volume held is given back.
    String uid = jsonpath("{.metadata.uid}", "pod", "over-limit");
    Path volume = server.dataDir().resolve("agent/kubelet/pods").resolve(uid).resolve("volumes/kubernetes.io~empty-dir/scratch");
    assertThat(volume).doesNotExist();

    // Several eviction passes and resyncs later: the evicted pod was not restarted, the other one was left alone.
    Thread.sleep(8_000);
    assertThat(jsonpath("{.status.phase}/{.status.reason} {.status.containerStatuses[0].restartCount}", "pod", "over-limit"))
        .isEqualTo("Failed/Evicted 0");
    assertThat(jsonpath("{.status.phase} {.status.containerStatuses[0].restartCount} {.status.reason}", "pod", "under-limit"))
        .isEqualTo("Running 0 ");
    assertThat(ok("logs", "under-limit").stdout()).isEqualTo("written\n");
    String uidUnder = jsonpath("{.metadata.uid}", "pod", "under-limit");
    assertThat(Files.size(server.dataDir().resolve("agent/kubelet/pods").resolve(uidUnder)
        .resolve("volumes/kubernetes.io~empty-dir/scratch/fill"))).isEqualTo(256 * 1024);
    // kubectl names a pod after its container's terminated reason when there is one: Kubernetes
    // since 1.22 reports the killed container too, so its evicted pods read "Error" here, not "Evicted".
    assertThat(columns(ok("get", "pod", "over-limit", "--no-headers").stdout())).element(2).isEqualTo("Error");
  }
}
