package io.gubernator.launcher;

import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.gubernator.apiserver.ApiServer;
import io.gubernator.apiserver.ApiServerConfig;
import io.gubernator.apiserver.pki.Pki;
import io.gubernator.controllers.ControllerManager;
import io.gubernator.scheduler.Scheduler;
import io.gubernator.client.LeaderElection;
import io.gubernator.store.Store;
import io.gubernator.store.Stores;
import io.gubernator.testing.hollow.HollowNodeConfig;
import java.io.IOException;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The components of {@code gubernator server}, started in order (store, then API server) and
 * stopped in reverse. Writes the admin kubeconfig and the join token under the data directory.
 */
public final class ControlPlane implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(ControlPlane.class);

  private final ServerConfig config;
  private final Store store;
  private final ApiServer apiServer;
  private final Path kubeconfig;
  private final KubernetesClient controllerClient;
  /** kube-controller-manager and kube-scheduler, each run while this server holds its Lease. */
  private final LeaderElection controllers;
  /** Simulated nodes ({@code --hollow-nodes}); null when none run. */
  private HollowNodesCommand.Running hollowNodes;
  /** The node agent; null with --disable-agent. */
  private Agent agent;
  private KubernetesClient agentClient;
  private final LeaderElection scheduler;

  private ControlPlane(ServerConfig config, Store store, ApiServer apiServer, Path kubeconfig,
      KubernetesClient controllerClient, LeaderElection controllers, LeaderElection scheduler) {
    this.config = config;
    this.store = store;
    this.apiServer = apiServer;
    this.kubeconfig = kubeconfig;
    this.controllerClient = controllerClient;
    this.controllers = controllers;
    this.scheduler = scheduler;
  }

  public static ControlPlane start(ServerConfig config) throws Exception {
    Path dir = config.dataDir().toAbsolutePath();
    Files.createDirectories(dir);
    ApiServerConfig apiConfig = new ApiServerConfig(config.bindAddress(), config.httpsPort(), dir,
        config.resolvedDatastore(), ApiServerConfig.DEFAULT_SERVICE_CIDR, null);
    List<String> dns = new ArrayList<>(List.of("localhost", "kubernetes", "kubernetes.default", "kubernetes.default.svc",
        "kubernetes.default.svc.cluster.local"));
    try {
      String host = InetAddress.getLocalHost().getHostName();
      if (!dns.contains(host)) dns.add(host);
    } catch (IOException e) {
      LOG.warn("cannot read host name: error={}", e.toString());
    }
    List<String> ips = new ArrayList<>(ApiServer.localAddresses());
    ips.add("10.96.0.1");
    Pki pki = Pki.loadOrCreate(apiConfig.tlsDir(), dns, ips);
    ensureToken(apiConfig.tokenFile());
    Store store = Stores.open(apiConfig.datastoreEndpoint());
    ApiServer api = new ApiServer(apiConfig, store, pki);
    try {
      api.start();
    } catch (Exception e) {
      api.close();
      store.close();
      throw e;
    }
    Path kubeconfig = dir.resolve("kubeconfig.yaml");
    writeKubeconfig(kubeconfig, "https://127.0.0.1:" + api.port(), pki);
    // The controllers are API clients like any other (the API is the only contract): they get the
    // admin kubeconfig, not the store. Started after the API server serves, stopped before it.
    KubernetesClient client = null;
    LeaderElection controllers = null;
    LeaderElection scheduler = null;
    try {
      client = new KubernetesClientBuilder().withConfig(Config.fromKubeconfig(Files.readString(kubeconfig))).build();
      publishClusterInfo(client, pki, "https://" + advertised(config) + ":" + api.port());
      writeNodeToken(dir.resolve("node-token"), apiConfig.tokenFile(), pki);
      KubernetesClient c = client;
      String identity = hostName() + "_" + java.util.UUID.randomUUID();
      controllers = LeaderElection.start(client, "kube-controller-manager", identity, LeaderElection.Options.defaults(),
          () -> ControllerManager.start(c, ControllerManager.Options.defaults().withControllers(config.controllers())));
      scheduler = LeaderElection.start(client, "kube-scheduler", identity, LeaderElection.Options.defaults(), () -> Scheduler.start(c));
    } catch (RuntimeException e) {
      if (scheduler != null) scheduler.close();
      if (controllers != null) controllers.close();
      if (client != null) client.close();
      api.close();
      store.close();
      throw e;
    }
    ControlPlane plane = new ControlPlane(config, store, api, kubeconfig, client, controllers, scheduler);
    if (!config.disableAgent()) {
      try {
        plane.startAgent(pki);
      } catch (Exception e) {
        plane.close();
        throw e;
      }
    }
    // Hollow nodes start last and stop first: API clients over the admin kubeconfig, like the controllers.
    if (config.hollowNodes() > 0) {
      try {
        plane.hollowNodes = HollowNodesCommand.start(kubeconfig, HollowNodeConfig.defaults(config.hollowNodes()));
      } catch (Exception e) {
        plane.close();
        throw e;
      }
    }
    return plane;
  }

  private void startAgent(Pki pki) throws Exception {
    ServerConfig.AgentFlags flags = config.agent();
    String nodeName = flags.nodeName() != null ? flags.nodeName() : hostName();
    AgentConfig agentConfig = new AgentConfig(config.dataDir().toAbsolutePath().resolve("agent"), nodeName, flags.nodeIp(),
        flags.kubeletPort(), flags.runtimeEndpoint(), java.util.Map.of("node-role.kubernetes.io/control-plane", "true"));
    List<String> ips = new ArrayList<>(ApiServer.localAddresses());
    if (flags.nodeIp() != null && !ips.contains(flags.nodeIp())) ips.add(flags.nodeIp());
    Pki.CertifiedKey serving = pki.issueServing("kubelet", nodeName, List.of(nodeName, "localhost"), ips);
    // The kubelet is an API client like the controllers (principle 1); its own client, so that its
    // watches and status writes do not queue behind theirs.
    agentClient = new KubernetesClientBuilder().withConfig(Config.fromKubeconfig(Files.readString(kubeconfig))).build();
    agent = Agent.start(agentConfig, agentClient,
        new io.gubernator.kubelet.KubeletConfig.Tls(serving.certificatePem(), serving.keyPem(), pki.ca().certificatePem()));
  }

  private static String hostName() {
    try {
      return InetAddress.getLocalHost().getHostName().toLowerCase(java.util.Locale.ROOT);
    } catch (IOException e) {
      return "localhost";
    }
  }

  public int port() {
    return apiServer.port();
  }

  public Path kubeconfig() {
    return kubeconfig;
  }

  public String banner() {
    return "Gubernator is running: https://127.0.0.1:" + apiServer.port() + " (store " + config.resolvedDatastore() + ")\n"
        + "  export KUBECONFIG=" + kubeconfig + "\n"
        + "  kubectl get namespaces\n"
        + "  to add a node: gubernator agent --server https://" + advertised(config) + ":" + apiServer.port()
        + " --token $(cat " + config.dataDir().toAbsolutePath().resolve("node-token") + ")";
  }

  /**
   * kubeadm's kube-public/cluster-info: the cluster's address and CA, readable without
   * credentials, so that a joining node can learn the CA and check it against its token.
   */
  private static void publishClusterInfo(KubernetesClient client, Pki pki, String server) {
    String kubeconfig = "apiVersion: v1\nkind: Config\nclusters:\n- name: \"\"\n  cluster:\n"
        + "    certificate-authority-data: " + java.util.Base64.getEncoder().encodeToString(pki.ca().certificatePem().getBytes())
        + "\n    server: " + server + "\ncontexts: []\ncurrent-context: \"\"\nusers: []\n";
    client.configMaps().inNamespace("kube-public").resource(new io.fabric8.kubernetes.api.model.ConfigMapBuilder()
        .withNewMetadata().withName("cluster-info").withNamespace("kube-public").endMetadata()
        .addToData("kubeconfig", kubeconfig).build()).createOr(io.fabric8.kubernetes.client.dsl.NonDeletingOperation::update);
  }

  /** The address other machines reach this server at: the bind address unless it is a wildcard. */
  private static String advertised(ServerConfig config) {
    String bind = config.bindAddress();
    if (bind != null && !bind.equals("0.0.0.0") && !bind.equals("::")) return bind;
    return io.gubernator.api.net.HostAddresses.primaryIPv4().orElse("127.0.0.1");
  }

  /**
   * The join token, as k3s writes it: {@code K10<sha256 of the CA certificate>::<secret>}; the
   * hash lets a joining agent verify the server before it sends the secret.
   */
  private static void writeNodeToken(Path file, Path tokenFile, Pki pki) throws IOException {
    String secret = Files.readString(tokenFile).split(",", 2)[0].trim();
    String token = "K10" + pki.caHash() + "::" + secret + "\n";
    if (Files.exists(file) && Files.readString(file).equals(token)) return;
    Files.deleteIfExists(file);
    Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
    Files.writeString(file, token);
  }

  private static void ensureToken(Path file) throws IOException {
    if (Files.exists(file)) return;
    byte[] random = new byte[24];
    new SecureRandom().nextBytes(random);
    String token = HexFormat.of().formatHex(random);
    Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
    // Kubernetes' static token file format; the group is the admin group until RBAC exists.
    Files.writeString(file, token + ",gubernator-admin,gubernator-admin,\"system:masters\"\n");
  }

  static void writeKubeconfig(Path path, String server, Pki pki) throws IOException {
    Path tmp = path.resolveSibling(path.getFileName() + ".tmp");
    Files.deleteIfExists(tmp);
    Files.createFile(tmp, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
    Files.writeString(tmp, pki.adminKubeconfig(server, null));
    Files.move(tmp, path, java.nio.file.StandardCopyOption.REPLACE_EXISTING, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
  }

  @Override
  public void close() {
    LOG.info("shutting down");
    if (hollowNodes != null) hollowNodes.close();
    if (agent != null) agent.close();
    if (agentClient != null) agentClient.close();
    scheduler.close();
    controllers.close();
    controllerClient.close();
    apiServer.close();
    store.close();
  }
}
