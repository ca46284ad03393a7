package io.gubernator.e2e;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/** Runs the real {@code /usr/bin/kubectl} against one server, through that server's kubeconfig. */
final class Kubectl {

  static final Path BINARY = Path.of("/usr/bin/kubectl");

  private static final Duration TIMEOUT = Duration.ofSeconds(60);

  /**
   * Pipe readers block until kubectl exits; a background kubectl (get -w) never does. They get
   * threads of their own: on the common pool (one thread on two cores) one watch would starve
   * every later command.
   */
  private static final ExecutorService READERS = Executors.newCachedThreadPool(runnable -> {
    Thread thread = new Thread(runnable, "kubectl-pipe");
    thread.setDaemon(true);
    return thread;
  });

  private final Path kubeconfig;
  private final Map<String, String> env;

  Kubectl(Path kubeconfig) {
    this(kubeconfig, Map.of());
  }

  private Kubectl(Path kubeconfig, Map<String, String> env) {
    this.kubeconfig = kubeconfig;
    this.env = env;
  }

  /** A kubectl with extra environment variables, e.g. KUBE_EDITOR for {@code kubectl edit}. */
  Kubectl withEnv(String name, String value) {
    Map<String, String> copy = new HashMap<>(env);
    copy.put(name, value);
    return new Kubectl(kubeconfig, copy);
  }

  /** What one kubectl run printed and how it exited. */
  record Result(List<String> args, int exitCode, String stdout, String stderr) {
    /** The whole run, for assertion messages that explain a failure by themselves. */
    @Override
    public String toString() {
      return "kubectl " + String.join(" ", args) + "\n  exit " + exitCode
          + "\n  stdout:\n" + stdout.indent(4) + "  stderr:\n" + stderr.indent(4);
    }

    List<String> lines() {
      return stdout.lines().toList();
    }
  }

  Result run(String... args) {
    return runWithStdin(null, args);
  }

  /** Runs kubectl with {@code stdin} as its standard input (for {@code -f -}). */
  Result runWithStdin(String stdin, String... args) {
    Process process = start(args);
    try {
      CompletableFuture<String> out = readAsync(process.getInputStream());
      CompletableFuture<String> err = readAsync(process.getErrorStream());
      try (OutputStream in = process.getOutputStream()) {
        if (stdin != null) {
          in.write(stdin.getBytes(StandardCharsets.UTF_8));
        }
      }
      if (!process.waitFor(TIMEOUT.toSeconds(), TimeUnit.SECONDS)) {
        process.destroyForcibly();
        throw new AssertionError("kubectl " + String.join(" ", args) + " did not finish within " + TIMEOUT);
      }
      return new Result(List.of(args), process.exitValue(), out.join(), err.join());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      process.destroyForcibly();
      Thread.currentThread().interrupt();
      throw new AssertionError("interrupted", e);
    }
  }

  /** Starts a long-running kubectl (get -w, wait) whose output lines can be awaited one by one. */
  Background background(String... args) {
    return new Background(start(args), List.of(args));
  }

  private Process start(String... args) {
    List<String> command = new ArrayList<>();
    command.add(BINARY.toString());
    command.addAll(List.of(args));
    ProcessBuilder builder = new ProcessBuilder(command);
    builder.environment().put("KUBECONFIG", kubeconfig.toString());
    // kubectl must not pick up a user's cache, plugins or editor from the machine running the tests.
    builder.environment().put("KUBECACHEDIR", kubeconfig.resolveSibling("kubectl-cache").toString());
    builder.environment().remove("KUBE_EDITOR");
    builder.environment().remove("EDITOR");
    builder.environment().putAll(env);
    try {
      return builder.start();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static CompletableFuture<String> readAsync(InputStream stream) {
    return CompletableFuture.supplyAsync(() -> {
      try (stream) {
        return new String(stream.readAllBytes(), StandardCharsets.UTF_8);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }, READERS);
  }

  /** Writes an executable editor script that applies a sed expression to the file it is given. */
  static Path sedEditor(Path dir, String sedExpression) throws IOException {
    Path script = Files.createTempFile(dir, "editor-", ".sh");
    Files.writeString(script, "#!/bin/sh\nexec sed -i -e '" + sedExpression.replace("'", "'\\''") + "' \"$1\"\n");
    script.toFile().setExecutable(true);
    return script;
  }

  /** A kubectl process still running; stdout lines queue up as they arrive. */
  static final class Background implements AutoCloseable {
    private final Process process;
    private final List<String> args;
    private final BlockingQueue<String> lines = new LinkedBlockingQueue<>();
    private final List<String> seen = new ArrayList<>();
    private final CompletableFuture<String> stderr;

    Background(Process process, List<String> args) {
      this.process = process;
      this.args = args;
      this.stderr = readAsync(process.getErrorStream());
      Thread reader = new Thread(() -> {
        try (BufferedReader in = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
          String line;
          while ((line = in.readLine()) != null) {
            lines.add(line);
          }
        } catch (IOException e) {
          // The process was stopped; awaitLine reports what it saw.
        }
      }, "kubectl-bg");
      reader.setDaemon(true);
      reader.start();
    }

    /** Waits for the next stdout line matching {@code wanted}, skipping others; fails after {@code timeout}. */
    String awaitLine(Predicate<String> wanted, Duration timeout) throws InterruptedException {
      long deadline = System.nanoTime() + timeout.toNanos();
      while (true) {
        long left = deadline - System.nanoTime();
        String line = left > 0 ? lines.poll(left, TimeUnit.NANOSECONDS) : null;
        if (line == null) {
          throw new AssertionError("kubectl " + String.join(" ", args) + ": no matching line within " + timeout
              + "; lines so far: " + seen + (process.isAlive() ? "" : "; exited " + process.exitValue()
              + ", stderr: " + stderr.getNow("")));
        }
        seen.add(line);
        if (wanted.test(line)) {
          return line;
        }
      }
    }

    /** Waits for the process to exit by itself; returns its exit code. */
    int awaitExit(Duration timeout) throws InterruptedException {
      if (!process.waitFor(timeout.toSeconds(), TimeUnit.SECONDS)) {
        throw new AssertionError("kubectl " + String.join(" ", args) + " still running after " + timeout);
      }
      return process.exitValue();
    }

    String stderr() {
      return stderr.getNow("");
    }

    @Override
    public void close() throws InterruptedException {
      process.destroy();
      if (!process.waitFor(5, TimeUnit.SECONDS)) {
        process.destroyForcibly();
      }
    }
  }
}
