package io.gubernator.kubelet.containerd;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.gubernator.kubelet.cri.v1.ContainerConfig;
import io.gubernator.kubelet.cri.v1.ContainerMetadata;
import io.gubernator.kubelet.cri.v1.ContainerState;
import io.gubernator.kubelet.cri.v1.ContainerStatus;
import io.gubernator.kubelet.cri.v1.ContainerStatusRequest;
import io.gubernator.kubelet.cri.v1.CreateContainerRequest;
import io.gubernator.kubelet.cri.v1.ImageSpec;
import io.gubernator.kubelet.cri.v1.ImageStatusRequest;
import io.gubernator.kubelet.cri.v1.ImageServiceGrpc;
import io.gubernator.kubelet.cri.v1.LinuxPodSandboxConfig;
import io.gubernator.kubelet.cri.v1.LinuxSandboxSecurityContext;
import io.gubernator.kubelet.cri.v1.NamespaceMode;
import io.gubernator.kubelet.cri.v1.NamespaceOption;
import io.gubernator.kubelet.cri.v1.PodSandboxConfig;
import io.gubernator.kubelet.cri.v1.PodSandboxMetadata;
import io.gubernator.kubelet.cri.v1.PodSandboxState;
import io.gubernator.kubelet.cri.v1.PodSandboxStatusRequest;
import io.gubernator.kubelet.cri.v1.RemoveContainerRequest;
import io.gubernator.kubelet.cri.v1.RemovePodSandboxRequest;
import io.gubernator.kubelet.cri.v1.RunPodSandboxRequest;
import io.gubernator.kubelet.cri.v1.RuntimeServiceGrpc;
import io.gubernator.kubelet.cri.v1.StartContainerRequest;
import io.gubernator.kubelet.cri.v1.StopPodSandboxRequest;
import io.gubernator.kubelet.cri.v1.VersionRequest;
import io.gubernator.kubelet.images.BuiltinImages;
import io.gubernator.kubelet.images.ImageImporter;
import io.gubernator.kubelet.images.LayerEntry;
import io.gubernator.kubelet.images.OciArchive;
import io.gubernator.kubelet.images.OciImage;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer.OrderAnnotation;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * A real containerd (with runc and the CRI plugin) started by ContainerdProcess, our images
 * imported into it and run, both by ctr and as a CRI pod whose sandbox is our pause image.
 * Needs root and the Debian packages containerd, runc and busybox-static (hack/test installs them).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(OrderAnnotation.class)
class EmbeddedContainerdTest {
  private Path dir;
  private ContainerdConfig config;
  private ContainerdProcess containerd;
  private ImageImporter importer;
  private ManagedChannel channel;

  @BeforeAll
  void startContainerd() throws IOException {
    assumeTrue("root".equals(System.getProperty("user.name")), "containerd needs root");
    dir = Files.createTempDirectory("gub-ctd-");
    config = new ContainerdConfig(dir.resolve("agent/containerd"), Path.of("/usr/lib/cni"),
        dir.resolve("agent/etc/cni/net.d"), BuiltinImages.PAUSE);
    containerd = ContainerdProcess.start(config);
    importer = new ImageImporter(containerd.ctr(), containerd.socket());
    channel = Grpc.newChannelBuilder(containerd.endpoint(), InsecureChannelCredentials.create()).build();
  }

  @AfterAll
  void stopContainerd() throws IOException {
    if (channel != null) {
      channel.shutdownNow();
    }
    if (containerd != null) {
      containerd.stop(Duration.ofSeconds(10));
    }
    if (dir != null && !Boolean.getBoolean("keepDir")) {
      deleteTree(dir);
    }
  }

  @Test
  @Order(1)
  void startsInItsOwnSessionAndAnswersCriVersion() throws Exception {
    assertThat(containerd.isRunning()).isTrue();
    long pid = containerd.pid();
    assertThat(Files.readString(Path.of("/proc", Long.toString(pid), "comm")).strip()).isEqualTo("containerd");
    // Field 6 of /proc/PID/stat is the session id: a session leader's is its own pid.
    String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
    String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
    assertThat(Long.parseLong(fields[3])).as("session id").isEqualTo(pid);
    assertThat(Files.readString(config.pidFile()).strip()).isEqualTo(Long.toString(pid));
    assertThat(Files.readString(config.configFile())).isEqualTo(config.toToml());

    var version = RuntimeServiceGrpc.newBlockingStub(channel).withDeadlineAfter(10, TimeUnit.SECONDS)
        .version(VersionRequest.newBuilder().setVersion("v1").build());
    assertThat(version.getRuntimeName()).isEqualTo("containerd");
    assertThat(version.getRuntimeApiVersion()).isEqualTo("v1");
    assertThat(containerd.version()).isEqualTo(version);
    assertThat(containerd.exited()).isNotDone();
  }

  @Test
  @Order(2)
  void importsTheBuiltinImagesUnderTheirNamesAndReimportChangesNothing() throws Exception {
    Path cache = dir.resolve("agent/cache/images");
    assertThat(importer.importBuiltins(cache)).containsExactly(BuiltinImages.PAUSE, BuiltinImages.BUSYBOX);

    String listing = ctr("images", "ls");
    assertThat(listing).contains(BuiltinImages.PAUSE, BuiltinImages.BUSYBOX);
    var images = importer.listImages();
    String pauseDigest = OciArchive.of(BuiltinImages.pause()).manifestDigest();
    assertThat(images).containsEntry(BuiltinImages.PAUSE, pauseDigest)
        .containsEntry(BuiltinImages.BUSYBOX,
            OciArchive.of(BuiltinImages.busybox(BuiltinImages.DEBIAN_BUSYBOX)).manifestDigest());

    // The CRI plugin sees them too (it is what the kubelet asks).
    var status = ImageServiceGrpc.newBlockingStub(channel).withDeadlineAfter(10, TimeUnit.SECONDS)
        .imageStatus(ImageStatusRequest.newBuilder().setImage(ImageSpec.newBuilder().setImage(BuiltinImages.BUSYBOX)).build());
    assertThat(status.getImage().getRepoTagsList()).contains(BuiltinImages.BUSYBOX);

    List<Path> cached;
    try (Stream<Path> s = Files.list(cache)) {
      cached = s.sorted().toList();
    }
    assertThat(cached).hasSize(2);
    long mtime = Files.getLastModifiedTime(cached.getFirst()).toMillis();
    importer.importBuiltins(cache);
    assertThat(importer.listImages()).containsEntry(BuiltinImages.PAUSE, pauseDigest);
    assertThat(Files.getLastModifiedTime(cached.getFirst()).toMillis()).isEqualTo(mtime);
  }

  @Test
  @Order(3)
  void importsEveryTarInTheImagesDirectory() throws Exception {
    Path images = Files.createDirectories(dir.resolve("agent/images"));
    OciImage custom = new OciImage("localhost/gubernator-test/hello:1", List.of(), List.of("/hello"), List.of(),
        List.of(LayerEntry.file("/hello", 0644, "hi\n".getBytes(StandardCharsets.UTF_8))));
    OciArchive.of(custom).writeTo(images.resolve("hello.tar"));
    Files.writeString(images.resolve("notes.txt"), "not an image");

    assertThat(importer.importDirectory(images)).containsExactly(images.resolve("hello.tar"));
    assertThat(importer.listImages()).containsEntry(custom.ref(), OciArchive.of(custom).manifestDigest());
    ctr("images", "rm", custom.ref());
  }

  @Test
  @Order(4)
  void runsBusyboxWithCtr() throws Exception {
    String out = ctr("run", "--rm", BuiltinImages.BUSYBOX, "gubernator-t1", "sh", "-c", "echo hi; id -un; ls -d /tmp");
    assertThat(out.lines().toList()).containsExactly("hi", "root", "/tmp");
  }

  @Test
  @Order(5)
  void runsAPodWhoseSandboxIsThePauseImage() throws Exception {
    var runtime = RuntimeServiceGrpc.newBlockingStub(channel);
    PodSandboxConfig sandboxConfig = PodSandboxConfig.newBuilder()
        .setMetadata(PodSandboxMetadata.newBuilder().setName("pause-test").setNamespace("default").setUid("uid-pause-test"))
        .setLogDirectory(dir.resolve("pods/pause-test").toString())
        .setLinux(LinuxPodSandboxConfig.newBuilder().setSecurityContext(LinuxSandboxSecurityContext.newBuilder()
            // The host's network: no CNI config is needed for this test.
            .setNamespaceOptions(NamespaceOption.newBuilder().setNetwork(NamespaceMode.NODE))))
        .build();
    List<Runnable> cleanup = new ArrayList<>();
    try {
      String sandbox = runtime.withDeadlineAfter(60, TimeUnit.SECONDS)
          .runPodSandbox(RunPodSandboxRequest.newBuilder().setConfig(sandboxConfig).build()).getPodSandboxId();
      cleanup.addFirst(() -> runtime.withDeadlineAfter(60, TimeUnit.SECONDS)
          .removePodSandbox(RemovePodSandboxRequest.newBuilder().setPodSandboxId(sandbox).build()));
      cleanup.addFirst(() -> runtime.withDeadlineAfter(60, TimeUnit.SECONDS)
          .stopPodSandbox(StopPodSandboxRequest.newBuilder().setPodSandboxId(sandbox).build()));
      assertThat(runtime.podSandboxStatus(PodSandboxStatusRequest.newBuilder().setPodSandboxId(sandbox).build())
          .getStatus().getState()).isEqualTo(PodSandboxState.SANDBOX_READY);

      String container = runtime.withDeadlineAfter(60, TimeUnit.SECONDS).createContainer(CreateContainerRequest.newBuilder()
          .setPodSandboxId(sandbox)
          .setSandboxConfig(sandboxConfig)
          .setConfig(ContainerConfig.newBuilder()
              .setMetadata(ContainerMetadata.newBuilder().setName("echo"))
              .setImage(ImageSpec.newBuilder().setImage(BuiltinImages.BUSYBOX))
              .addAllCommand(List.of("sh", "-c", "echo hi from pid $$"))
              .setLogPath("echo/0.log"))
          .build()).getContainerId();
      cleanup.addFirst(() -> runtime.withDeadlineAfter(60, TimeUnit.SECONDS)
          .removeContainer(RemoveContainerRequest.newBuilder().setContainerId(container).build()));
      runtime.withDeadlineAfter(60, TimeUnit.SECONDS)
          .startContainer(StartContainerRequest.newBuilder().setContainerId(container).build());

      ContainerStatus exited = await().atMost(Duration.ofSeconds(30)).until(
          () -> runtime.containerStatus(ContainerStatusRequest.newBuilder().setContainerId(container).build()).getStatus(),
          s -> s.getState() == ContainerState.CONTAINER_EXITED);
      assertThat(exited.getExitCode()).isZero();
      assertThat(Files.readString(dir.resolve("pods/pause-test/echo/0.log"))).contains("stdout F hi from pid ");
    } finally {
      for (Runnable r : cleanup) {
        r.run();
      }
    }
  }

  @Test
  @Order(6)
  void stopEndsTheProcessAndAnUnexpectedExitIsReported() throws Exception {
    long pid = containerd.pid();
    containerd.stop(Duration.ofSeconds(10));
    assertThat(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)).isFalse();
    assertThat(containerd.exited().get(5, TimeUnit.SECONDS).requested()).isTrue();
    assertThat(ContainerdProcess.answers(config.socket())).isFalse();
    assertThat(config.pidFile()).doesNotExist();

    // A second start on the same directory keeps what the first imported.
    containerd = ContainerdProcess.start(config);
    assertThat(importer.listImages()).containsKeys(BuiltinImages.PAUSE, BuiltinImages.BUSYBOX);
    ProcessHandle.of(containerd.pid()).orElseThrow().destroyForcibly();
    ContainerdProcess.Exit exit = containerd.exited().get(10, TimeUnit.SECONDS);
    assertThat(exit.requested()).isFalse();
    assertThat(exit.code()).isEqualTo(128 + 9);
    assertThat(containerd.isRunning()).isFalse();
  }

  private String ctr(String... args) throws IOException, InterruptedException {
    List<String> cmd = new ArrayList<>(List.of(containerd.ctr().toString(), "--address", containerd.socket().toString(),
        "-n", ImageImporter.CRI_NAMESPACE));
    cmd.addAll(List.of(args));
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).as("%s: %s", cmd, out).isZero();
    return out;
  }

  private static void deleteTree(Path root) {
    try (Stream<Path> s = Files.walk(root)) {
      s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException e) {
      // Best effort: a leftover mount would keep some files; the temp dir is then left behind.
    }
  }
}
