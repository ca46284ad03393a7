package io.gubernator.kubelet.containerd;

import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.StatusRuntimeException;
import io.gubernator.kubelet.cri.v1.RuntimeServiceGrpc;
import io.gubernator.kubelet.cri.v1.VersionRequest;
import io.gubernator.kubelet.cri.v1.VersionResponse;
import java.io.File;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The containerd an agent runs itself when no runtime endpoint is configured (k3s' embedded
 * containerd): a child process with its own config, root, state and socket under one directory.
 *
 * <p>containerd runs in a session of its own ({@code setsid}), so a Ctrl-C in the terminal reaches
 * only the JVM, whose shutdown then stops containerd in order. Containers outlive a containerd
 * stop or restart, since each runs under its own shim; the next containerd picks them up again.
 * If containerd dies on its own, {@link #exited()} completes, so the kubelet can report the
 * runtime as not ready.
 */
public final class ContainerdProcess implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(ContainerdProcess.class);
  public static final Duration DEFAULT_READY_TIMEOUT = Duration.ofSeconds(60);
  public static final Duration DEFAULT_STOP_GRACE = Duration.ofSeconds(10);
  /** Where Debian and most distributions put runc; often missing from a non-login PATH. */
  private static final List<String> SBIN_DIRS = List.of("/usr/local/sbin", "/usr/sbin", "/sbin");

  /** How containerd ended: its exit code (128+signal when killed), and whether {@link #stop} asked for it. */
  public record Exit(int code, boolean requested) {}

  private final ContainerdConfig config;
  private final Process process;
  private final Path ctr;
  private final CompletableFuture<Exit> exited;
  private volatile boolean stopRequested;
  private volatile VersionResponse version;

  private ContainerdProcess(ContainerdConfig config, Process process, Path ctr) {
    this.config = config;
    this.process = process;
    this.ctr = ctr;
    this.exited = process.onExit().thenApply(p -> new Exit(p.exitValue(), stopRequested));
    exited.thenAccept(exit -> {
      if (exit.requested()) {
        log.info("containerd stopped: pid={} exitCode={}", process.pid(), exit.code());
      } else {
        log.error("containerd exited unexpectedly: pid={} exitCode={} log={} lastLines=\"{}\"",
            process.pid(), exit.code(), config.logFile(), tail(config.logFile(), 10));
      }
    });
  }

  /** {@link #start(ContainerdConfig, Duration)} with {@link #DEFAULT_READY_TIMEOUT}. */
  public static ContainerdProcess start(ContainerdConfig config) throws IOException {
    return start(config, DEFAULT_READY_TIMEOUT);
  }

  /**
   * Writes config.toml, starts {@code containerd} from PATH and returns once its CRI service
   * answers a Version call on the socket.
   *
   * @throws IOException when containerd, runc or ctr is not installed, when another containerd
   *     already serves the socket, or when containerd exits or stays silent until the timeout
   *     (the message quotes the end of its log)
   */
  public static ContainerdProcess start(ContainerdConfig config, Duration readyTimeout) throws IOException {
    return start(config, readyTimeout, childPath(System.getenv().getOrDefault("PATH", "")));
  }

  /** {@code path} is both where the binaries are looked up and containerd's PATH. */
  static ContainerdProcess start(ContainerdConfig config, Duration readyTimeout, String path) throws IOException {
    Path containerd = findExecutable("containerd", path).orElseThrow(() -> new IOException(
        "containerd is not on PATH (Debian: apt-get install containerd); PATH=" + path));
    findExecutable("runc", path).orElseThrow(() -> new IOException(
        "runc is not on PATH, containerd cannot run containers without it (Debian: apt-get install runc); PATH=" + path));
    // ctr from the same installation, so its client speaks the daemon's API version.
    Path sibling = containerd.resolveSibling("ctr");
    Path ctr = Files.isExecutable(sibling) ? sibling : findExecutable("ctr", path).orElseThrow(() ->
        new IOException("ctr is not on PATH (it ships with containerd); PATH=" + path));

    Files.createDirectories(config.dir());
    Files.createDirectories(config.root());
    Files.createDirectories(config.state());
    Files.createDirectories(config.cniConfDir());
    stopLeftover(config);
    if (answers(config.socket())) {
      throw new IOException("another containerd already serves " + config.socket()
          + " (not one this agent started); stop it or use another data dir");
    }
    writeAtomically(config.configFile(), config.toToml());

    List<String> command = new ArrayList<>();
    // setsid(1) execs in place when, as here, the caller is not a process group leader, so the
    // child's pid stays containerd's own pid.
    findExecutable("setsid", path).ifPresentOrElse(s -> command.add(s.toString()),
        () -> log.warn("setsid not found: containerd shares the terminal's session and gets its Ctrl-C"));
    command.addAll(List.of(containerd.toString(), "--config", config.configFile().toString()));
    ProcessBuilder pb = new ProcessBuilder(command)
        .directory(config.dir().toFile())
        .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
        .redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.appendTo(config.logFile().toFile()));
    pb.environment().put("PATH", path);
    Process process = pb.start();
    ContainerdProcess cp = new ContainerdProcess(config, process, ctr);
    Files.writeString(config.pidFile(), process.pid() + "\n");
    log.info("containerd starting: pid={} config={} socket={} log={}",
        process.pid(), config.configFile(), config.socket(), config.logFile());
    try {
      cp.awaitReady(readyTimeout);
    } catch (IOException | RuntimeException e) {
      cp.stop(DEFAULT_STOP_GRACE);
      throw e;
    }
    return cp;
  }

  public ContainerdConfig config() {
    return config;
  }

  public Path socket() {
    return config.socket();
  }

  /** The CRI endpoint as the kubelet's {@code --container-runtime-endpoint} spells it. */
  public String endpoint() {
    return "unix://" + config.socket();
  }

  /** The ctr binary of this containerd installation, for image import. */
  public Path ctr() {
    return ctr;
  }

  public long pid() {
    return process.pid();
  }

  /** What containerd's CRI plugin answered to Version when it became ready. */
  public VersionResponse version() {
    return version;
  }

  public boolean isRunning() {
    return process.isAlive();
  }

  /** Completes when containerd has exited, whether {@link #stop} asked it to or not. */
  public CompletableFuture<Exit> exited() {
    return exited.copy();
  }

  /**
   * Stops containerd: SIGTERM to its pid, then SIGKILL after {@code grace}. Returns once it is
   * gone. Containers keep running under their shims.
   */
  public void stop(Duration grace) {
    if (!process.isAlive()) {
      deletePidFile();
      return;
    }
    stopRequested = true;
    log.info("containerd stopping: pid={}", process.pid());
    process.destroy();
    try {
      if (!process.waitFor(grace.toMillis(), TimeUnit.MILLISECONDS)) {
        log.warn("containerd ignored SIGTERM, killing: pid={} graceSeconds={}", process.pid(), grace.toSeconds());
        process.destroyForcibly();
        process.waitFor(10, TimeUnit.SECONDS);
      }
      exited.get(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      process.destroyForcibly();
      Thread.currentThread().interrupt();
    } catch (Exception e) {
      log.warn("containerd exit not observed: pid={} error=\"{}\"", process.pid(), e.toString());
    }
    deletePidFile();
  }

  @Override
  public void close() {
    stop(DEFAULT_STOP_GRACE);
  }

  private void awaitReady(Duration timeout) throws IOException {
    long deadline = System.nanoTime() + timeout.toNanos();
    ManagedChannel channel = Grpc.newChannelBuilder(endpoint(), InsecureChannelCredentials.create()).build();
    String lastError = "socket not created yet";
    try {
      RuntimeServiceGrpc.RuntimeServiceBlockingStub stub = RuntimeServiceGrpc.newBlockingStub(channel);
      while (System.nanoTime() < deadline) {
        if (!process.isAlive()) {
          throw new IOException("containerd exited during start (exit code " + process.exitValue()
              + "); end of " + config.logFile() + ":\n" + tail(config.logFile(), 20));
        }
        if (Files.exists(config.socket())) {
          try {
            version = stub.withDeadlineAfter(2, TimeUnit.SECONDS).version(VersionRequest.newBuilder().setVersion("v1").build());
            log.info("containerd ready: pid={} runtime={} version={} criApi={}", process.pid(),
                version.getRuntimeName(), version.getRuntimeVersion(), version.getRuntimeApiVersion());
            return;
          } catch (StatusRuntimeException e) {
            lastError = e.getStatus().toString();
          }
        }
        Thread.sleep(100);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted while waiting for containerd", e);
    } finally {
      channel.shutdownNow();
    }
    throw new IOException("containerd did not answer on " + config.socket() + " within " + timeout.toSeconds()
        + "s (last error: " + lastError + "); end of " + config.logFile() + ":\n" + tail(config.logFile(), 20));
  }

  /**
   * Stops a containerd that a previous run of this agent started on the same config and left
   * behind (the JVM was killed). The pid file alone is not trusted: the process must still be a
   * containerd on our config file, or the pid may have been reused by something else.
   */
  private static void stopLeftover(ContainerdConfig config) throws IOException {
    if (!Files.isRegularFile(config.pidFile())) {
      return;
    }
    long pid;
    try {
      pid = Long.parseLong(Files.readString(config.pidFile()).strip());
    } catch (NumberFormatException e) {
      Files.delete(config.pidFile());
      return;
    }
    Optional<ProcessHandle> handle = ProcessHandle.of(pid);
    if (handle.isPresent() && handle.get().isAlive() && isOurContainerd(pid, config)) {
      log.warn("stopping containerd left by a previous run: pid={} config={}", pid, config.configFile());
      handle.get().destroy();
      try {
        handle.get().onExit().get(DEFAULT_STOP_GRACE.toSeconds(), TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IOException("interrupted while stopping the previous containerd", e);
      } catch (Exception e) {
        handle.get().destroyForcibly();
      }
    }
    Files.deleteIfExists(config.pidFile());
  }

  private static boolean isOurContainerd(long pid, ContainerdConfig config) {
    try {
      List<String> args = List.of(new String(Files.readAllBytes(Path.of("/proc", Long.toString(pid), "cmdline")),
          StandardCharsets.UTF_8).split("\0"));
      return args.stream().anyMatch(a -> a.endsWith("containerd"))
          && args.contains(config.configFile().toString());
    } catch (IOException e) {
      return false;
    }
  }

  /** Whether something accepts connections on the unix socket at {@code socket}. */
  static boolean answers(Path socket) {
    if (!Files.exists(socket)) {
      return false;
    }
    try (SocketChannel ch = SocketChannel.open(UnixDomainSocketAddress.of(socket))) {
      return ch.isConnected();
    } catch (IOException e) {
      return false;
    }
  }

  /** PATH for containerd: the given one plus the sbin directories, where runc usually lives. */
  static String childPath(String path) {
    Set<String> dirs = new LinkedHashSet<>();
    for (String d : path.split(":")) {
      if (!d.isEmpty()) {
        dirs.add(d);
      }
    }
    dirs.addAll(SBIN_DIRS);
    return String.join(":", dirs);
  }

  /** The first executable {@code name} in the directories of {@code path}. */
  static Optional<Path> findExecutable(String name, String path) {
    for (String d : path.split(":")) {
      if (d.isEmpty()) {
        continue;
      }
      Path candidate = Path.of(d, name);
      if (Files.isRegularFile(candidate) && Files.isExecutable(candidate)) {
        return Optional.of(candidate);
      }
    }
    return Optional.empty();
  }

  private void deletePidFile() {
    try {
      Files.deleteIfExists(config.pidFile());
    } catch (IOException e) {
      log.debug("pid file not removed: file={} error=\"{}\"", config.pidFile(), e.toString());
    }
  }

  private static void writeAtomically(Path file, String content) throws IOException {
    Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
    Files.writeString(tmp, content);
    Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
  }

  /** The last {@code lines} lines of {@code file}, reading at most its last 16 KiB (the log only grows). */
  static String tail(Path file, int lines) {
    try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "r")) {
      long start = Math.max(0, f.length() - 16384);
      byte[] buf = new byte[(int) (f.length() - start)];
      f.seek(start);
      f.readFully(buf);
      List<String> all = List.of(new String(buf, StandardCharsets.UTF_8).split("\n"));
      return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
    } catch (IOException e) {
      return "(no log: " + e.getMessage() + ")";
    }
  }
}
