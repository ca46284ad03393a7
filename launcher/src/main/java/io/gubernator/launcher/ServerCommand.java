package io.gubernator.launcher;

import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code gubernator server}: the control plane and, unless disabled, a node agent in one process. */
@Command(name = "server", mixinStandardHelpOptions = true, description = "Start the control plane.")
final class ServerCommand implements Callable<Integer> {

  @Option(names = "--data-dir", description = "State directory (default /var/lib/gubernator as root, else ~/.gubernator).")
  Path dataDir;

  @Option(names = "--bind-address", defaultValue = "0.0.0.0", description = "Address the API server listens on (default ${DEFAULT-VALUE}).")
  String bindAddress;

  @Option(names = "--https-port", defaultValue = "6443", description = "API server port (default ${DEFAULT-VALUE}).")
  int httpsPort;

  @Option(names = "--datastore-endpoint", description = "Store URL: embedded:///path (default: under the data dir) or etcd://host:port[,host:port].")
  String datastoreEndpoint;

  @Option(names = "--disable-agent", description = "Do not run a node agent (kubelet and containerd) in this process.")
  boolean disableAgent;

  @Mixin
  NodeOptions node = new NodeOptions();

  @Option(names = "--controllers", split = ",", defaultValue = "*",
      description = "Controllers to run, as kube-controller-manager's flag: '*' for all, 'name' to add, '-name' to leave out (default ${DEFAULT-VALUE}).")
  java.util.List<String> controllers;

  @Option(names = "--hollow-nodes", defaultValue = "0", description = "Also run N simulated nodes in this process, for tests and benchmarks (no containers run; default ${DEFAULT-VALUE}).")
  int hollowNodes;

  @Override
  public Integer call() throws Exception {
    ServerConfig config = new ServerConfig(dataDir == null ? ServerConfig.defaultDataDir() : dataDir,
        bindAddress, httpsPort, datastoreEndpoint, disableAgent, hollowNodes,
        node.flags(), controllers);
    // Fail on a misspelled controller name before anything starts.
    io.gubernator.controllers.ControllerManager.Options.defaults().withControllers(controllers);
    ControlPlane plane = ControlPlane.start(config);
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      plane.close();
      stopped.countDown();
    }, "shutdown"));
    System.out.println(plane.banner());
    System.out.flush();
    stopped.await();
    return 0;
  }
}
