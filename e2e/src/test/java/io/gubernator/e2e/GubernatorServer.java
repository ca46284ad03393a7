package io.gubernator.e2e;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * A {@code ./gubernator server} child process, started the way a user starts it: the repository's
 * launcher script, a free port on 127.0.0.1 and its own data directory. Its output goes to a log
 * file under {@code target/e2e-logs} so that a failing test can be diagnosed afterwards.
 */
final class GubernatorServer implements AutoCloseable {

  /** The banner ServerCommand prints once the API server answers; what a user waits for too. */
  static final String BANNER = "Gubernator is running: https://127.0.0.1:";

  /**
   * ./gubernator rebuilds the launcher when main sources are newer than its jar (another engineer
   * may be editing them), so the first start can include a Maven build.
   */
  private static final Duration START_TIMEOUT = Duration.ofMinutes(5);

  private static final Duration STOP_TIMEOUT = Duration.ofSeconds(20);

  private final Process process;
  private final Path dataDir;
  private final int port;
  private final Path log;
  private final Deque<String> tail = new ArrayDeque<>();
  private volatile boolean bannerSeen;

  private GubernatorServer(Process process, Path dataDir, int port, Path log) {
    this.process = process;
    this.dataDir = dataDir;
    this.port = port;
    this.log = log;
  }

  static Path repositoryRoot() {
    // Surefire runs in the module directory (e2e/); the launcher script sits one level up.
    Path root = Path.of("..").toAbsolutePath().normalize();
    if (!Files.isExecutable(root.resolve("gubernator"))) {
      throw new IllegalStateException("no executable ./gubernator in " + root);
    }
    return root;
  }

  /** Starts a server on {@code dataDir} (new or existing) and waits until it has printed its banner. */
  static GubernatorServer start(Path dataDir, String name, String... extraArgs) throws IOException, InterruptedException {
    int port = freePort();
    Path logDir = Path.of("target", "e2e-logs").toAbsolutePath();
    Files.createDirectories(logDir);
    Path log = logDir.resolve(name + "-" + port + ".log");
    java.util.List<String> command = new java.util.ArrayList<>(java.util.List.of("./gubernator", "server",
        "--data-dir", dataDir.toString(),
        "--bind-address", "127.0.0.1",
        "--https-port", Integer.toString(port)));
    // Only tests about real pods want the node agent (containerd, kubelet); they ask for a kubelet
    // port. The others keep their clusters to the nodes they create, as before the agent existed.
    if (!java.util.List.of(extraArgs).contains("--kubelet-port")) command.add("--disable-agent");
    command.addAll(java.util.List.of(extraArgs));
    ProcessBuilder builder = new ProcessBuilder(command)
        .directory(repositoryRoot().toFile())
        .redirectErrorStream(true);
    GubernatorServer server = new GubernatorServer(builder.start(), dataDir, port, log);
    server.awaitBanner();
    return server;
  }

  private static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return socket.getLocalPort();
    }
  }

  private void awaitBanner() throws IOException, InterruptedException {
    CountDownLatch ready = new CountDownLatch(1);
    Thread pump = new Thread(() -> pump(ready), "gubernator-log-" + port);
    pump.setDaemon(true);
    pump.start();
    // The latch also opens when the output ends (the server died): only the banner itself counts.
    boolean up = ready.await(START_TIMEOUT.toSeconds(), TimeUnit.SECONDS) && bannerSeen && process.isAlive();
    if (!up) {
      close();
      String what = process.isAlive() ? "did not print its banner within " + START_TIMEOUT : "exited before printing its banner";
      throw new IllegalStateException("gubernator server " + what + ", log " + log + ":\n" + tail());
    }
  }

  /** Copies the server output to the log file, remembering the last lines for error messages. */
  private void pump(CountDownLatch ready) {
    try (BufferedReader in = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
         PrintWriter out = new PrintWriter(Files.newBufferedWriter(log, StandardCharsets.UTF_8), true)) {
      String line;
      while ((line = in.readLine()) != null) {
        out.println(line);
        synchronized (tail) {
          tail.addLast(line);
          if (tail.size() > 40) {
            tail.removeFirst();
          }
        }
        if (line.startsWith(BANNER + port)) {
          bannerSeen = true;
          ready.countDown();
        }
      }
    } catch (IOException e) {
      // The process went away; awaitBanner reports it through isAlive().
    } finally {
      ready.countDown();
    }
  }

  String tail() {
    synchronized (tail) {
      return String.join("\n", tail);
    }
  }

  int port() {
    return port;
  }

  Path dataDir() {
    return dataDir;
  }

  Path kubeconfig() {
    return dataDir.resolve("kubeconfig.yaml");
  }

  Path log() {
    return log;
  }

  long pid() {
    return process.pid();
  }

  /** SIGTERM to this server's own pid (a clean shutdown), then SIGKILL if it does not exit in time. */
  @Override
  public void close() throws InterruptedException {
    if (!process.isAlive()) {
      return;
    }
    process.destroy();
    if (!process.waitFor(STOP_TIMEOUT.toSeconds(), TimeUnit.SECONDS)) {
      process.destroyForcibly();
      process.waitFor(STOP_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
    }
  }

  boolean isAlive() {
    return process.isAlive();
  }
}
