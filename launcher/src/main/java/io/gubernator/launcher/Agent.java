package io.gubernator.launcher;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.gubernator.kubelet.Kubelet;
import io.gubernator.kubelet.KubeletConfig;
import io.gubernator.kubelet.containerd.ContainerdConfig;
import io.gubernator.kubelet.containerd.ContainerdProcess;
import io.gubernator.kubelet.cri.RemoteRuntime;
import io.gubernator.kubelet.images.BuiltinImages;
import io.gubernator.kubelet.images.ImageImporter;
import io.gubernator.kubelet.server.KubeletServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A node: containerd (our own unless an endpoint is given) with the built-in images imported,
 * the kubelet and its HTTPS server. Started after the control plane, stopped before it.
 * Stopping leaves running containers alone (their shims outlive containerd), so the next start
 * finds them again, as with k3s.
 */
final class Agent implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(Agent.class);
  static final Path CNI_BIN_DIR = Path.of("/usr/lib/cni");

  private final ContainerdProcess containerd;
  private final RemoteRuntime runtime;
  private final Kubelet kubelet;
  private final KubeletServer server;

  private Agent(ContainerdProcess containerd, RemoteRuntime runtime, Kubelet kubelet, KubeletServer server) {
    this.containerd = containerd;
    this.runtime = runtime;
    this.kubelet = kubelet;
    this.server = server;
  }

  /** @param tls the kubelet's serving certificate, and the CA whose clients (the API server) it accepts */
  static Agent start(AgentConfig config, KubernetesClient client, KubeletConfig.Tls tls) throws Exception {
    Path dir = config.dataDir().toAbsolutePath();
    Path cniConf = dir.resolve("cni/net.d");
    ContainerdProcess containerd = null;
    RemoteRuntime runtime = null;
    Kubelet kubelet = null;
    KubeletServer server = null;
    try {
      Path socket;
      if (config.runtimeEndpoint() == null) {
        containerd = ContainerdProcess.start(new ContainerdConfig(dir.resolve("containerd"), CNI_BIN_DIR, cniConf, BuiltinImages.PAUSE));
        socket = containerd.socket();
        ImageImporter importer = new ImageImporter(containerd.ctr(), socket);
        importer.importBuiltins(dir.resolve("images-cache"));
        importer.importDirectory(dir.resolve("images"));
      } else {
        socket = config.runtimeEndpoint();
      }
      runtime = new RemoteRuntime(socket);
      KubeletConfig kc = new KubeletConfig(config.nodeName(), config.nodeIp(), dir.resolve("kubelet"), dir.resolve("logs/pods"),
          socket, cniConf, dir.resolve("cni/networks"), config.kubeletPort(), Duration.ofSeconds(10), 40,
          config.nodeLabels(), tls, dir.resolve("pod-manifests"));
      kubelet = new Kubelet(kc, client, runtime);
      Kubelet k = kubelet;
      server = new KubeletServer(kc, kubelet.runtimeManager(), k::findPod, k::pods,
          new io.gubernator.kubelet.stats.SummaryProvider(config.nodeName(), runtime, k::pods, kc.rootDir()));
      kubelet.start(server.port());
      return new Agent(containerd, runtime, kubelet, server);
    } catch (Exception e) {
      if (kubelet != null) kubelet.close();
      if (server != null) server.close();
      if (runtime != null) runtime.close();
      if (containerd != null) containerd.close();
      throw e;
    }
  }

  List<Pod> pods() {
    return kubelet.pods();
  }

  @Override
  public void close() {
    kubelet.close();
    server.close();
    runtime.close();
    if (containerd != null) containerd.close();
    LOG.info("agent stopped");
  }
}
