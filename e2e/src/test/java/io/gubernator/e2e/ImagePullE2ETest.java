package io.gubernator.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import io.gubernator.kubelet.images.BuiltinImages;
import io.gubernator.kubelet.images.OciArchive;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.bouncycastle.crypto.generators.OpenBSDBCrypt;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Pulls from a real registry: Debian's docker-registry (distribution v2) on a free loopback port,
 * filled with the node's own busybox image by skopeo, once without authentication and once behind
 * htpasswd (bcrypt). containerd 1.6's CRI plugin speaks plain HTTP to a registry on localhost or
 * a loopback address without any registry configuration, as Kubernetes users of a local registry
 * expect.
 */
class ImagePullE2ETest extends NodeAgentTestBase {

  private static final String USER = "alice";
  private static final String PASSWORD = HexFormat.of().formatHex(new SecureRandom().generateSeed(8));

  @TempDir
  static Path work;

  static Registry open;
  static Registry locked;

  @BeforeAll
  static void startRegistriesAndPushBusybox() throws Exception {
    Path archive = work.resolve("busybox.tar");
    OciArchive.of(BuiltinImages.busybox(BuiltinImages.DEBIAN_BUSYBOX)).writeTo(archive);
    open = Registry.start(work.resolve("open"), null);
    locked = Registry.start(work.resolve("locked"), USER + ":" + bcrypt(PASSWORD) + "\n");
    skopeoCopy(archive, open.image("test/busybox:v1"));
    skopeoCopy(archive, locked.image("private/busybox:v1"), "--dest-creds", USER + ":" + PASSWORD);
  }

  @AfterAll
  static void stopRegistries() throws InterruptedException {
    for (Registry r : new Registry[] {open, locked}) {
      if (r != null) r.close();
    }
  }

  @Test
  void aPodRunsFromAnImageInALoopbackRegistry() {
    String image = open.image("test/busybox:v1");
    apply(imagePod("pulled", image, null, null));
    awaitRunning("pulled");
    assertThat(jsonpath("{.status.containerStatuses[0].image}", "pod", "pulled")).isEqualTo(image);
    assertThat(jsonpath("{.status.containerStatuses[0].imageID}", "pod", "pulled")).contains("sha256:");
    String events = awaitEvents("pulled", "Successfully pulled image");
    assertThat(events).contains("Pulling\tPulling image \"" + image + "\"");
    assertThat(events).containsPattern("Pulled\tSuccessfully pulled image \"" + java.util.regex.Pattern.quote(image) + "\" in \\d");
  }

  @Test
  void pullPolicyNeverWithAnAbsentImageWaitsWithErrImageNeverPull() {
    String image = open.image("test/absent:v1");
    apply(imagePod("never", image, "Never", null));
    awaitPod("never", "{.status.containerStatuses[0].state.waiting.reason}", "ErrImageNeverPull"::equals, Duration.ofSeconds(30));
    assertThat(row(ok("get", "pod", "never"), "never").get(2)).isEqualTo("ErrImageNeverPull");
    assertThat(awaitEvents("never", "ErrImageNeverPull"))
        .contains("ErrImageNeverPull\tContainer image \"" + image + "\" is not present with pull policy of Never");
  }

  @Test
  void aMissingTagFailsThePullAndBacksOff() {
    String image = open.image("test/busybox:no-such-tag");
    apply(imagePod("missing-tag", image, null, null));
    awaitPod("missing-tag", "{.status.containerStatuses[0].state.waiting.reason}", "ImagePullBackOff"::equals, Duration.ofSeconds(30));
    assertThat(row(ok("get", "pod", "missing-tag"), "missing-tag").get(2)).isEqualTo("ImagePullBackOff");
    assertThat(awaitEvents("missing-tag", "Failed to pull image")).contains("Failed\tFailed to pull image \"" + image + "\"");
  }

  /** Kubernetes shows the failed pull (ErrImagePull) until the pod's next sync, which finds the back-off. */
  @Test
  void theStatusColumnShowsErrImagePullBeforeImagePullBackOff() throws Exception {
    String image = open.image("test/busybox:other-missing-tag");
    try (Kubectl.Background watch = kubectl.background("get", "pods", "-l", "watched=pull", "-w")) {
      apply(imagePod("watched-pull", image, null, null).replace("metadata: {name: watched-pull}",
          "metadata: {name: watched-pull, labels: {watched: pull}}"));
      watch.awaitLine(line -> status(line).equals("ErrImagePull"), Duration.ofSeconds(30));
      watch.awaitLine(line -> status(line).equals("ImagePullBackOff"), Duration.ofSeconds(30));
    }
  }

  @Test
  void aRegistryWithAuthenticationRefusesAnAnonymousPull() {
    String image = locked.image("private/busybox:v1");
    apply(imagePod("anonymous", image, null, null));
    awaitPod("anonymous", "{.status.containerStatuses[0].state.waiting.reason}", "ImagePullBackOff"::equals, Duration.ofSeconds(30));
    assertThat(awaitEvents("anonymous", "Failed to pull image")).contains("401 Unauthorized");
  }

  @Test
  void aPullSecretFromKubectlCreateSecretDockerRegistryAuthenticatesThePull() {
    ok("create", "secret", "docker-registry", "regcred", "--docker-server=" + locked.address(),
        "--docker-username=" + USER, "--docker-password=" + PASSWORD);
    String image = locked.image("private/busybox:v1");
    apply(imagePod("with-secret", image, null, "regcred"));
    awaitRunning("with-secret");
    assertThat(awaitEvents("with-secret", "Successfully pulled image")).contains("Pulling image \"" + image + "\"");
  }

  // ---- helpers ----

  static String imagePod(String name, String image, String pullPolicy, String pullSecret) {
    return """
        apiVersion: v1
        kind: Pod
        metadata: {name: %s}
        spec:
          terminationGracePeriodSeconds: 1
        %s  containers:
          - name: main
            image: %s
        %s    command: ["sleep", "3600"]
        """.formatted(name, pullSecret == null ? "" : "  imagePullSecrets: [{name: " + pullSecret + "}]\n", image,
        pullPolicy == null ? "" : "    imagePullPolicy: " + pullPolicy + "\n");
  }

  /** The STATUS cell of a {@code kubectl get pods} row (NAME READY STATUS RESTARTS AGE). */
  private static String status(String line) {
    List<String> cells = columns(line);
    return cells.size() > 2 ? cells.get(2) : "";
  }

  /** The pod's events as "REASON\tMESSAGE" lines, once one of them contains {@code wanted}. */
  private static String awaitEvents(String pod, String wanted) {
    String[] last = {""};
    try {
      Awaitility.await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(250)).until(() -> {
        last[0] = jsonpath("{range .items[*]}{.reason}{\"\\t\"}{.message}{\"\\n\"}{end}", "events",
            "--field-selector", "involvedObject.name=" + pod);
        return last[0].contains(wanted);
      });
    } catch (org.awaitility.core.ConditionTimeoutException e) {
      throw new AssertionError("no event of pod " + pod + " contains " + wanted + "; events:\n" + last[0]);
    }
    return last[0];
  }

  /** An htpasswd entry's hash as {@code htpasswd -B} writes it; the registry accepts bcrypt only. */
  private static String bcrypt(String password) {
    byte[] salt = new byte[16];
    new SecureRandom().nextBytes(salt);
    return OpenBSDBCrypt.generate("2y", password.toCharArray(), salt, 10);
  }

  private static void skopeoCopy(Path archive, String destination, String... extra) throws IOException, InterruptedException {
    List<String> command = new ArrayList<>(List.of("skopeo", "copy", "--quiet", "--dest-tls-verify=false"));
    command.addAll(List.of(extra));
    command.addAll(List.of("oci-archive:" + archive, "docker://" + destination));
    run(command, Duration.ofSeconds(60));
  }

  private static void run(List<String> command, Duration timeout) throws IOException, InterruptedException {
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    byte[] out = p.getInputStream().readAllBytes();
    if (!p.waitFor(timeout.toSeconds(), TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new AssertionError(command + " did not finish within " + timeout);
    }
    assertThat(p.exitValue()).as("%s:\n%s", command, new String(out, StandardCharsets.UTF_8)).isZero();
  }

  /** A docker-registry child process on a free 127.0.0.1 port, its storage under {@code dir}. */
  record Registry(Process process, int port, Path log) implements AutoCloseable {

    static Registry start(Path dir, String htpasswd) throws IOException, InterruptedException {
      Files.createDirectories(dir);
      int port;
      try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
        port = socket.getLocalPort();
      }
      String auth = "";
      if (htpasswd != null) {
        Path file = Files.writeString(dir.resolve("htpasswd"), htpasswd);
        auth = "auth:\n  htpasswd:\n    realm: gubernator-e2e\n    path: " + file + "\n";
      }
      Path config = Files.writeString(dir.resolve("config.yml"), """
          version: 0.1
          log:
            level: warn
          storage:
            filesystem:
              rootdirectory: %s
          http:
            addr: 127.0.0.1:%d
          """.formatted(dir.resolve("storage"), port) + auth);
      Path log = dir.resolve("registry.log");
      Process process = new ProcessBuilder("/usr/bin/docker-registry", "serve", config.toString())
          .redirectErrorStream(true).redirectOutput(log.toFile()).start();
      Registry registry = new Registry(process, port, log);
      registry.awaitReady();
      return registry;
    }

    String address() {
      return "127.0.0.1:" + port;
    }

    String image(String repositoryAndTag) {
      return address() + "/" + repositoryAndTag;
    }

    /** GET /v2/ answers 200, or 401 behind htpasswd: either way the registry serves. */
    private void awaitReady() {
      HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();
      HttpRequest ping = HttpRequest.newBuilder(URI.create("http://" + address() + "/v2/")).timeout(Duration.ofSeconds(2)).build();
      try {
        Awaitility.await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(100)).ignoreExceptions().until(() -> {
          if (!process.isAlive()) throw new AssertionError("docker-registry exited");
          int code = http.send(ping, HttpResponse.BodyHandlers.discarding()).statusCode();
          return code == 200 || code == 401;
        });
      } catch (org.awaitility.core.ConditionTimeoutException e) {
        throw new AssertionError("docker-registry on " + address() + " did not answer; log " + log + ":\n" + tail());
      }
    }

    private String tail() {
      try {
        return Files.readString(log);
      } catch (IOException e) {
        return e.toString();
      }
    }

    /** SIGTERM to the registry's own pid, SIGKILL if it does not exit in time. */
    @Override
    public void close() throws InterruptedException {
      process.destroy();
      if (!process.waitFor(10, TimeUnit.SECONDS)) {
        process.destroyForcibly();
        process.waitFor(10, TimeUnit.SECONDS);
      }
    }
  }
}
