package io.gubernator.launcher;

import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.gubernator.apiserver.pki.Pki;
import io.gubernator.kubelet.KubeletConfig;
import java.net.InetAddress;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code gubernator agent}: a node on its own, joining a server with the token it printed. The
 * agent learns the cluster CA from kube-public/cluster-info and, when the token pins it (k3s'
 * {@code K10<hash>::<secret>} form), refuses a server whose CA does not match before sending the
 * secret anywhere.
 */
@Command(name = "agent", mixinStandardHelpOptions = true, description = "Run a node (containerd and the kubelet) that joins a server.")
final class AgentCommand implements Callable<Integer> {

  @Option(names = "--server", required = true, description = "The API server, https://host:port.")
  String server;

  @Option(names = "--token", required = true, description = "The join token (the server's <data-dir>/node-token).")
  String token;

  @Option(names = "--data-dir", description = "State directory (default /var/lib/gubernator as root, else ~/.gubernator).")
  Path dataDir;

  @Mixin
  NodeOptions node = new NodeOptions();

  @Override
  public Integer call() throws Exception {
    Path dir = (dataDir == null ? ServerConfig.defaultDataDir() : dataDir).toAbsolutePath();
    JoinToken join = JoinToken.parse(token);
    String caPem = ClusterInfo.fetchCa(server, join);
    Config config = new ConfigBuilder().withMasterUrl(server).withCaCertData(java.util.Base64.getEncoder().encodeToString(caPem.getBytes()))
        .withOauthToken(join.secret()).build();
    String name = node.nodeName != null ? node.nodeName : InetAddress.getLocalHost().getHostName().toLowerCase(Locale.ROOT);
    List<String> ips = new ArrayList<>(io.gubernator.apiserver.ApiServer.localAddresses());
    String ip = node.nodeIp != null ? node.nodeIp : io.gubernator.api.net.HostAddresses.primaryIPv4().orElse("127.0.0.1");
    if (!ips.contains(ip)) ips.add(ip);
    Pki.CertifiedKey serving = Pki.selfSignedServing(dir.resolve("agent/pki"), "kubelet", name, List.of(name, "localhost"), ips);
    KubernetesClient client = new KubernetesClientBuilder().withConfig(config).build();
    Agent agent;
    try {
      agent = Agent.start(new AgentConfig(dir.resolve("agent"), name, node.nodeIp, node.kubeletPort, node.runtimeEndpoint, java.util.Map.of()), client,
          new KubeletConfig.Tls(serving.certificatePem(), serving.keyPem(), caPem));
    } catch (Exception e) {
      client.close();
      throw e;
    }
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      agent.close();
      client.close();
      stopped.countDown();
    }, "shutdown"));
    System.out.println("Gubernator agent is running: node " + name + " joined " + server);
    System.out.flush();
    stopped.await();
    return 0;
  }
}
