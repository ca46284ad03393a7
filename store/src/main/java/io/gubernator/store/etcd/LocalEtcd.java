package io.gubernator.store.etcd;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A throw-away single-member etcd on loopback with its own data directory, for tests and
 * benchmarks. It is stopped through its own process handle, never by name, so that an etcd someone
 * else runs on the machine is left alone.
 */
public final class LocalEtcd implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(LocalEtcd.class);
  public static final Path BINARY = Path.of("/usr/bin/etcd");

  private final Process process;
  private final Path dataDir;
  private final int clientPort;

  private LocalEtcd(Process process, Path dataDir, int clientPort) {
    this.process = process;
    this.dataDir = dataDir;
    this.clientPort = clientPort;
  }

  /** Starts etcd and waits until it reports itself healthy. */
  public static LocalEtcd start() throws IOException, InterruptedException {
    if (!Files.isExecutable(BINARY)) {
      throw new IllegalStateException(BINARY + " is missing: install Debian's etcd-server (apt-get install -y etcd-server)");
    }
    Path dataDir = Files.createTempDirectory("gubernator-etcd-");
    int clientPort = freePort();
    int peerPort = freePort();
    String client = "http://127.0.0.1:" + clientPort;
    String peer = "http://127.0.0.1:" + peerPort;
    List<String> command = List.of(BINARY.toString(), "--name", "gubernator-test", "--data-dir", dataDir.resolve("data").toString(),
        "--listen-client-urls", client, "--advertise-client-urls", client,
        "--listen-peer-urls", peer, "--initial-advertise-peer-urls", peer,
        "--initial-cluster", "gubernator-test=" + peer, "--initial-cluster-state", "new");
    Process process = new ProcessBuilder(command).redirectErrorStream(true)
        .redirectOutput(dataDir.resolve("etcd.log").toFile()).start();
    LocalEtcd etcd = new LocalEtcd(process, dataDir, clientPort);
    try {
      etcd.awaitHealthy(Duration.ofSeconds(30));
    } catch (IOException | InterruptedException | RuntimeException e) {
      etcd.close();
      throw e;
    }
    log.info("etcd started pid={} endpoint={} dataDir={}", process.pid(), client, dataDir);
    return etcd;
  }

  /** The store URL for {@link io.gubernator.store.Stores#open}. */
  public String url() {
    return "etcd://127.0.0.1:" + clientPort;
  }

  public long pid() {
    return process.pid();
  }

  private void awaitHealthy(Duration timeout) throws IOException, InterruptedException {
    HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();
    HttpRequest health = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + clientPort + "/health"))
        .timeout(Duration.ofSeconds(2)).build();
    long deadline = System.nanoTime() + timeout.toNanos();
    while (System.nanoTime() < deadline) {
      if (!process.isAlive()) {
        throw new IOException("etcd exited with " + process.exitValue() + "; see " + dataDir.resolve("etcd.log"));
      }
      try {
        HttpResponse<String> r = http.send(health, HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() == 200 && r.body().contains("true")) {
          return;
        }
      } catch (IOException notYet) {
        // Not listening yet.
      }
      Thread.sleep(100);
    }
    throw new IOException("etcd did not become healthy within " + timeout + "; see " + dataDir.resolve("etcd.log"));
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }

  @Override
  public void close() {
    process.destroy();
    try {
      if (!process.waitFor(10, TimeUnit.SECONDS)) {
        process.destroyForcibly();
        process.waitFor(10, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      process.destroyForcibly();
      Thread.currentThread().interrupt();
    }
    try (Stream<Path> files = Files.walk(dataDir)) {
      files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException e) {
      log.warn("could not remove etcd data dir={} error={}", dataDir, e.toString());
    }
    log.info("etcd stopped pid={}", process.pid());
  }
}
