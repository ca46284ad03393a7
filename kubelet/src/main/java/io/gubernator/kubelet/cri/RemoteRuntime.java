package io.gubernator.kubelet.cri;

import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.gubernator.kubelet.cri.v1.*;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The CRI over containerd's unix socket: the kubelet's only way to the runtime. Each call carries a
 * deadline (the kubelet's default runtime request timeout is 2 minutes; pulls may take longer), so
 * that a wedged runtime shows up as an error instead of a stuck pod worker.
 */
public final class RemoteRuntime implements AutoCloseable {

  private static final Duration CALL_TIMEOUT = Duration.ofMinutes(2);
  private static final Duration PULL_TIMEOUT = Duration.ofMinutes(10);

  private final ManagedChannel channel;
  private final RuntimeServiceGrpc.RuntimeServiceBlockingStub runtime;
  private final ImageServiceGrpc.ImageServiceBlockingStub images;

  public RemoteRuntime(Path socket) {
    this.channel = Grpc.newChannelBuilder("unix://" + socket.toAbsolutePath(), InsecureChannelCredentials.create())
        .maxInboundMessageSize(16 * 1024 * 1024 + 4096)
        .build();
    this.runtime = RuntimeServiceGrpc.newBlockingStub(channel);
    this.images = ImageServiceGrpc.newBlockingStub(channel);
  }

  private RuntimeServiceGrpc.RuntimeServiceBlockingStub rt() {
    return runtime.withDeadlineAfter(CALL_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
  }

  private ImageServiceGrpc.ImageServiceBlockingStub img(Duration timeout) {
    return images.withDeadlineAfter(timeout.toMillis(), TimeUnit.MILLISECONDS);
  }

  public VersionResponse version() {
    return rt().version(VersionRequest.newBuilder().setVersion("v1").build());
  }

  public StatusResponse status() {
    return rt().status(StatusRequest.getDefaultInstance());
  }

  public String runPodSandbox(PodSandboxConfig config) {
    return rt().runPodSandbox(RunPodSandboxRequest.newBuilder().setConfig(config).build()).getPodSandboxId();
  }

  public void stopPodSandbox(String id) {
    rt().stopPodSandbox(StopPodSandboxRequest.newBuilder().setPodSandboxId(id).build());
  }

  public void removePodSandbox(String id) {
    rt().removePodSandbox(RemovePodSandboxRequest.newBuilder().setPodSandboxId(id).build());
  }

  public PodSandboxStatus podSandboxStatus(String id) {
    return rt().podSandboxStatus(PodSandboxStatusRequest.newBuilder().setPodSandboxId(id).build()).getStatus();
  }

  public List<PodSandbox> listPodSandboxes(Map<String, String> labels) {
    return rt().listPodSandbox(ListPodSandboxRequest.newBuilder()
        .setFilter(PodSandboxFilter.newBuilder().putAllLabelSelector(labels)).build()).getItemsList();
  }

  public String createContainer(String sandboxId, ContainerConfig config, PodSandboxConfig sandboxConfig) {
    return rt().createContainer(CreateContainerRequest.newBuilder()
        .setPodSandboxId(sandboxId).setConfig(config).setSandboxConfig(sandboxConfig).build()).getContainerId();
  }

  public void startContainer(String id) {
    rt().startContainer(StartContainerRequest.newBuilder().setContainerId(id).build());
  }

  /** Stops with SIGTERM, then SIGKILL after {@code gracePeriodSeconds}; the call returns when it has stopped. */
  public void stopContainer(String id, long gracePeriodSeconds) {
    runtime.withDeadlineAfter(CALL_TIMEOUT.toMillis() + gracePeriodSeconds * 1000, TimeUnit.MILLISECONDS)
        .stopContainer(StopContainerRequest.newBuilder().setContainerId(id).setTimeout(gracePeriodSeconds).build());
  }

  public void removeContainer(String id) {
    rt().removeContainer(RemoveContainerRequest.newBuilder().setContainerId(id).build());
  }

  public List<Container> listContainers(Map<String, String> labels) {
    return rt().listContainers(ListContainersRequest.newBuilder()
        .setFilter(ContainerFilter.newBuilder().putAllLabelSelector(labels)).build()).getContainersList();
  }

  public ContainerStatus containerStatus(String id) {
    return rt().containerStatus(ContainerStatusRequest.newBuilder().setContainerId(id).build()).getStatus();
  }

  public ExecSyncResponse execSync(String containerId, List<String> cmd, Duration timeout) {
    return runtime.withDeadlineAfter(timeout.toMillis() + 5000, TimeUnit.MILLISECONDS).execSync(ExecSyncRequest.newBuilder()
        .setContainerId(containerId).addAllCmd(cmd).setTimeout(Math.max(1, timeout.toSeconds())).build());
  }

  public String exec(ExecRequest request) {
    return rt().exec(request).getUrl();
  }

  public String attach(AttachRequest request) {
    return rt().attach(request).getUrl();
  }

  public String portForward(String sandboxId, List<Integer> ports) {
    return rt().portForward(PortForwardRequest.newBuilder().setPodSandboxId(sandboxId).addAllPort(ports).build()).getUrl();
  }

  public List<ContainerStats> listContainerStats() {
    return rt().listContainerStats(ListContainerStatsRequest.getDefaultInstance()).getStatsList();
  }

  /** The image as the runtime knows it, or null when it is not present. */
  public Image imageStatus(String image) {
    ImageStatusResponse r = img(CALL_TIMEOUT).imageStatus(ImageStatusRequest.newBuilder()
        .setImage(ImageSpec.newBuilder().setImage(image)).build());
    return r.hasImage() ? r.getImage() : null;
  }

  public String pullImage(String image, AuthConfig auth, PodSandboxConfig sandboxConfig) {
    PullImageRequest.Builder b = PullImageRequest.newBuilder().setImage(ImageSpec.newBuilder().setImage(image));
    if (auth != null) b.setAuth(auth);
    if (sandboxConfig != null) b.setSandboxConfig(sandboxConfig);
    return img(PULL_TIMEOUT).pullImage(b.build()).getImageRef();
  }

  public List<Image> listImages() {
    return img(CALL_TIMEOUT).listImages(ListImagesRequest.getDefaultInstance()).getImagesList();
  }

  public ImageFsInfoResponse imageFsInfo() {
    return img(CALL_TIMEOUT).imageFsInfo(ImageFsInfoRequest.getDefaultInstance());
  }

  /** True for the runtime's "no such object" answers, which idempotent cleanup treats as done. */
  public static boolean isNotFound(RuntimeException e) {
    return e instanceof StatusRuntimeException s && s.getStatus().getCode() == Status.Code.NOT_FOUND;
  }

  /** Runs a stop or remove whose target may already be gone, which counts as done. */
  public static void ignoringNotFound(Runnable call) {
    try {
      call.run();
    } catch (RuntimeException e) {
      if (!isNotFound(e)) throw e;
    }
  }

  @Override
  public void close() {
    channel.shutdownNow();
    try {
      channel.awaitTermination(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
