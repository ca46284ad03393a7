package io.gubernator.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * {@code kubectl exec}, {@code attach}, {@code port-forward} and {@code cp} with the real kubectl
 * through the API server and the kubelet to containerd's streaming server, both ways kubectl 1.32
 * speaks: by default a WebSocket ({@code v5.channel.k8s.io}, or SPDY tunneled in a WebSocket for
 * port-forward), which the kubelet serves itself and carries on to containerd over SPDY/3.1
 * (containerd 1.6 refuses both protocols: kubectl used to fall back); with the WebSocket feature
 * switched off kubectl speaks SPDY/3.1, which the kubelet passes to containerd as it is.
 */
class StreamingE2ETest extends NodeAgentTestBase {

  /** How kubectl is told to connect. */
  enum Way {
    DEFAULT(null),
    SPDY("false");

    final String websockets;

    Way(String websockets) {
      this.websockets = websockets;
    }

    Kubectl kubectl() {
      return websockets == null ? kubectl
          : kubectl.withEnv("KUBECTL_REMOTE_COMMAND_WEBSOCKETS", websockets).withEnv("KUBECTL_PORT_FORWARD_WEBSOCKETS", websockets);
    }
  }

  /** Pipe readers block until their process ends: each gets a thread of its own, not the common pool. */
  private static final ExecutorService READERS = Executors.newVirtualThreadPerTaskExecutor();

  @TempDir
  static Path work;

  @BeforeAll
  static void startPods() {
    // box: httpd on 8080 in main, a second container to pick with -c.
    apply("""
        apiVersion: v1
        kind: Pod
        metadata: {name: box}
        spec:
          terminationGracePeriodSeconds: 1
          containers:
          - name: main
            image: %1$s
            command: ["sh", "-c", "mkdir -p /www && echo hello from httpd > /www/index.html && exec httpd -f -p 8080 -h /www"]
          - name: side
            image: %1$s
            command: ["sh", "-c", "echo side > /name; exec sleep 3600"]
        """.formatted(BUSYBOX));
    // att: main reads its stdin (kept open), ticker writes a line every 200 ms.
    apply("""
        apiVersion: v1
        kind: Pod
        metadata: {name: att}
        spec:
          terminationGracePeriodSeconds: 1
          containers:
          - name: main
            image: %1$s
            stdin: true
            command: ["sh", "-c", "while read l; do echo got-$l; done"]
          - name: ticker
            image: %1$s
            command: ["sh", "-c", "i=0; while true; do echo tick $i; i=$((i+1)); sleep 0.2; done"]
        """.formatted(BUSYBOX));
    awaitRunning("box");
    awaitRunning("att");
  }

  @ParameterizedTest
  @EnumSource(Way.class)
  void execRunsCommandsInTheChosenContainerAndPassesTheExitCode(Way way) {
    Kubectl k = way.kubectl();
    Kubectl.Result hi = assertOk(k.run("exec", "box", "-v=6", "--", "sh", "-c", "echo hi; echo oops >&2"));
    assertThat(hi.stdout()).isEqualTo("hi\n");
    assertThat(hi.stderr()).contains("oops\n");
    assertNegotiated(way, hi.stderr(), "exec");

    Kubectl.Result seven = k.run("exec", "box", "--", "sh", "-c", "exit 7");
    assertThat(seven.exitCode()).as("%s", seven).isEqualTo(7);
    assertThat(seven.stderr()).contains("command terminated with exit code 7");

    assertThat(assertOk(k.run("exec", "box", "-c", "side", "--", "cat", "/name")).stdout()).isEqualTo("side\n");
    assertThat(assertOk(k.run("exec", "box", "-c", "main", "--", "cat", "/www/index.html")).stdout()).isEqualTo("hello from httpd\n");

    Kubectl.Result missing = k.run("exec", "box", "--", "no-such-command");
    assertThat(missing.exitCode()).as("%s", missing).isNotZero();
  }

  @ParameterizedTest
  @EnumSource(Way.class)
  void execPassesStdinFromAPipe(Way way) {
    // The command sees stdin's end (v5's CLOSE signal on a WebSocket), so wc and cat finish.
    String input = "line one\nline two\n" + "x".repeat(100_000) + "\n";
    Kubectl.Result r = assertOk(way.kubectl().runWithStdin(input, "exec", "-i", "box", "-v=6", "--", "sh", "-c", "wc -c; echo done"));
    assertThat(r.stdout()).isEqualTo(input.length() + "\ndone\n");
    assertNegotiated(way, r.stderr(), "exec");
    Kubectl.Result cat = assertOk(way.kubectl().runWithStdin("abc\ndef\n", "exec", "-i", "box", "--", "cat"));
    assertThat(cat.stdout()).isEqualTo("abc\ndef\n");
    Kubectl.Result hi = assertOk(way.kubectl().runWithStdin("hi\n", "exec", "-i", "box", "--", "cat"));
    assertThat(hi.stdout()).isEqualTo("hi\n");
    Kubectl.Result eight = way.kubectl().runWithStdin("in\n", "exec", "-i", "box", "--", "sh", "-c", "cat; exit 8");
    assertThat(eight.exitCode()).as("%s", eight).isEqualTo(8);
    assertThat(eight.stdout()).isEqualTo("in\n");
  }

  @ParameterizedTest
  @EnumSource(Way.class)
  void execWithATerminal(Way way) throws Exception {
    // kubectl -t needs a terminal on its own stdin: script(1) gives it one, fed from a pipe.
    Process p = start(way, "script", "-qec", Kubectl.BINARY + " exec -it box -c main -v=6 -- sh", "/dev/null");
    try (OutputStream in = p.getOutputStream()) {
      CompletableFuture<String> out = CompletableFuture.supplyAsync(() -> read(p.getInputStream()), READERS);
      CompletableFuture<String> err = CompletableFuture.supplyAsync(() -> read(p.getErrorStream()), READERS);
      in.write("tty; echo inside-$((6*7)); exit 3\n".getBytes(StandardCharsets.UTF_8));
      in.flush();
      assertThat(p.waitFor(30, TimeUnit.SECONDS)).as("kubectl exec -it still running").isTrue();
      String output = out.get(5, TimeUnit.SECONDS) + err.get(5, TimeUnit.SECONDS);
      assertThat(output).contains("/dev/pts/").contains("inside-42");
      assertThat(p.exitValue()).as(output).isEqualTo(3);
      // The terminal merges kubectl's log into its output.
      assertNegotiated(way, output.replace("\r", ""), "exec");
    } finally {
      p.destroyForcibly();
    }
  }

  @ParameterizedTest
  @EnumSource(Way.class)
  void attachJoinsARunningContainer(Way way) throws Exception {
    // Lines go in one at a time: what the container answers after kubectl's stdin ended is not
    // waited for (attach ends with its stdin), so each answer is awaited before the next line.
    Process p = start(way, Kubectl.BINARY.toString(), "attach", "-i", "att", "-c", "main", "-v=6");
    try (OutputStream in = p.getOutputStream();
         BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
      CompletableFuture<String> err = CompletableFuture.supplyAsync(() -> read(p.getErrorStream()), READERS);
      for (int i = 1; i <= 2; i++) {
        in.write((way + "-" + i + "\n").getBytes(StandardCharsets.UTF_8));
        in.flush();
        String wanted = "got-" + way + "-" + i;
        CompletableFuture<Boolean> seen = CompletableFuture.supplyAsync(() -> {
          try {
            for (String line; (line = out.readLine()) != null; ) if (line.equals(wanted)) return true;
            return false;
          } catch (IOException e) {
            return false;
          }
        }, READERS);
        assertThat(seen.get(20, TimeUnit.SECONDS)).as(wanted).isTrue();
      }
      in.close();
      assertThat(p.waitFor(20, TimeUnit.SECONDS)).as("kubectl attach still running after its stdin ended").isTrue();
      String log = err.get(5, TimeUnit.SECONDS);
      assertThat(p.exitValue()).as(log).isZero();
      assertNegotiated(way, log, "attach");
    } finally {
      p.destroyForcibly();
    }
    try (Kubectl.Background ticker = way.kubectl().background("attach", "att", "-c", "ticker")) {
      String first = ticker.awaitLine(l -> l.startsWith("tick "), Duration.ofSeconds(15));
      int n = Integer.parseInt(first.substring(5));
      ticker.awaitLine(l -> l.equals("tick " + (n + 2)), Duration.ofSeconds(10));
    }
  }

  @ParameterizedTest
  @EnumSource(Way.class)
  void portForwardReachesAPortInThePod(Way way) throws Exception {
    int local = freePort();
    Kubectl.Background pf = way.kubectl().background("port-forward", "pod/box", local + ":8080", "-v=6");
    try (pf; HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build()) {
      pf.awaitLine(l -> l.startsWith("Forwarding from 127.0.0.1:" + local), Duration.ofSeconds(20));
      for (int i = 0; i < 3; i++) {
        HttpResponse<String> res = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + local + "/index.html"))
            .timeout(Duration.ofSeconds(15)).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(res.statusCode()).isEqualTo(200);
        assertThat(res.body()).isEqualTo("hello from httpd\n");
      }
    }
    // kubectl's log is complete once it has exited.
    Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> pf.stderr().contains("101 Switching Protocols"));
    String log = pf.stderr();
    assertThat(log).as(log).doesNotContain("fallback").doesNotContain("bad handshake");
    // The tunnel is a WebSocket handshake (GET); SPDY's upgrade is a POST.
    String wanted = (way == Way.DEFAULT ? "GET " : "POST ") + "https://127.0.0.1:" + server.port()
        + "/api/v1/namespaces/default/pods/box/portforward 101 Switching Protocols";
    assertThat(log.lines()).as(log).anyMatch(l -> l.contains(wanted));
    if (way == Way.DEFAULT) assertThat(log).contains("negotiated protocol: portforward.k8s.io");
  }

  @ParameterizedTest
  @EnumSource(Way.class)
  void cpCopiesBothWays(Way way) throws Exception {
    Kubectl k = way.kubectl();
    byte[] data = new byte[2_000_000];
    new Random(42).nextBytes(data);
    Path up = Files.write(work.resolve("up-" + way + ".bin"), data);
    assertNegotiated(way, assertOk(k.run("cp", up.toString(), "box:/tmp/up-" + way + ".bin", "-c", "main", "-v=6")).stderr(), "exec");
    assertThat(ok("exec", "box", "-c", "main", "--", "wc", "-c", "/tmp/up-" + way + ".bin").stdout().trim())
        .startsWith(data.length + " ");
    Path down = work.resolve("down-" + way + ".bin");
    assertNegotiated(way, assertOk(k.run("cp", "box:/tmp/up-" + way + ".bin", down.toString(), "-c", "main", "-v=6")).stderr(), "exec");
    assertThat(Files.readAllBytes(down)).isEqualTo(data);
    assertOk(k.run("cp", "box:/www", work.resolve("www-" + way).toString(), "-c", "main"));
    assertThat(Files.readString(work.resolve("www-" + way).resolve("index.html"))).isEqualTo("hello from httpd\n");
  }

  /**
   * A WebSocket client of our own speaking v4 (no CLOSE signal) gets the kubelet's translation:
   * channel 1 is stdout, 2 stderr, 3 the status with the exit code.
   */
  @Test
  void debugAddsEphemeralContainersThatSeeTheirTargetAndAreNeverRestarted() throws Exception {
    apply("""
        apiVersion: v1
        kind: Pod
        metadata: {name: debugged}
        spec:
          terminationGracePeriodSeconds: 1
          containers:
          - name: app
            image: %s
            command: ["sh", "-c", "exec httpd -f -p 8080"]
        """.formatted(BUSYBOX));
    awaitRunning("debugged");
    // In app's process namespace (--target): its httpd is among the processes the debugger sees.
    ok("debug", "debugged", "--image=" + BUSYBOX, "-c", "dbg", "--target=app", "--", "sh", "-c", "ps; echo debug-done");
    awaitPod("debugged", "{.status.ephemeralContainerStatuses[0].state.terminated.exitCode}", "0"::equals, Duration.ofSeconds(60));
    assertThat(ok("logs", "debugged", "-c", "dbg").stdout()).contains("httpd -f -p 8080").contains("debug-done");

    // Attached (-i): kubectl waits for it to run, then its stdin is the shell's. The answer is
    // awaited before stdin ends (an attach ends with its stdin, as in attachJoinsARunningContainer).
    Process p = start(Way.DEFAULT, Kubectl.BINARY.toString(), "debug", "-i", "debugged", "--image=" + BUSYBOX, "-c", "dbg2", "--", "sh");
    try (OutputStream in = p.getOutputStream();
         BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
      in.write("echo hi-from-debug\n".getBytes(StandardCharsets.UTF_8));
      in.flush();
      CompletableFuture<Boolean> seen = CompletableFuture.supplyAsync(() -> {
        try {
          for (String line; (line = out.readLine()) != null; ) if (line.equals("hi-from-debug")) return true;
          return false;
        } catch (IOException e) {
          return false;
        }
      }, READERS);
      assertThat(seen.get(60, TimeUnit.SECONDS)).as("the debug shell's answer").isTrue();
      in.write("exit 0\n".getBytes(StandardCharsets.UTF_8));
      in.close();
      assertThat(p.waitFor(20, TimeUnit.SECONDS)).as("kubectl debug still running after its stdin ended").isTrue();
    } finally {
      p.destroyForcibly();
    }
    awaitPod("debugged", "{.status.ephemeralContainerStatuses[*].state.terminated.reason}", "Completed Completed"::equals,
        Duration.ofSeconds(30));
    // Ended, they stay ended; the pod's own container runs on, and its readiness owes them nothing.
    assertThat(jsonpath("{.status.ephemeralContainerStatuses[*].restartCount}|{.status.phase}|{.status.containerStatuses[0].ready}",
        "pod/debugged")).isEqualTo("0 0|Running|true");
  }

  @Test
  void aWebSocketClientSpeakingV4GetsOutputAndStatus() throws Exception {
    String[] channels = webSocketExec("v4.channel.k8s.io",
        "container=main&stdout=true&stderr=true&command=sh&command=-c&command=echo%20out%3B%20echo%20err%20%3E%262%3B%20exit%205",
        List.of());
    assertThat(channels[1]).isEqualTo("out\n");
    assertThat(channels[2]).isEqualTo("err\n");
    assertThat(channels[3]).contains("\"NonZeroExitCode\"").contains("\"ExitCode\"").contains("\"5\"");
  }

  /** v5's CLOSE signal ({@code [255, 0]}) ends the command's stdin; a clean exit has a Success status. */
  @Test
  void aWebSocketClientSpeakingV5ClosesStdinWithTheCloseSignal() throws Exception {
    String[] channels = webSocketExec("v5.channel.k8s.io",
        "container=main&stdin=true&stdout=true&stderr=true&command=sh&command=-c&command=cat%3B%20echo%20end",
        List.of(new byte[] {0, 'a', 'b', 'c', '\n'}, new byte[] {(byte) 255, 0}));
    assertThat(channels[1]).isEqualTo("abc\nend\n");
    assertThat(channels[3]).contains("\"Success\"");
  }

  /**
   * Execs {@code query} on box over a WebSocket with {@code protocol} through the API server,
   * sends {@code messages} once it is open, and returns what came on channels 0 to 3 by the close.
   */
  private static String[] webSocketExec(String protocol, String query, List<byte[]> messages) throws Exception {
    String token = Files.readString(server.dataDir().resolve("token")).split(",")[0].trim();
    KeyStore trust = KeyStore.getInstance(KeyStore.getDefaultType());
    trust.load(null, null);
    try (InputStream ca = Files.newInputStream(server.dataDir().resolve("tls/ca.crt"))) {
      trust.setCertificateEntry("ca", CertificateFactory.getInstance("X.509").generateCertificate(ca));
    }
    TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    tmf.init(trust);
    SSLContext tls = SSLContext.getInstance("TLS");
    tls.init(null, tmf.getTrustManagers(), null);
    ByteArrayOutputStream[] channels = {new ByteArrayOutputStream(), new ByteArrayOutputStream(),
        new ByteArrayOutputStream(), new ByteArrayOutputStream()};
    CompletableFuture<Void> closed = new CompletableFuture<>();
    URI uri = URI.create("wss://127.0.0.1:" + server.port() + "/api/v1/namespaces/default/pods/box/exec?" + query);
    try (HttpClient http = HttpClient.newBuilder().sslContext(tls).build()) {
      WebSocket ws = http.newWebSocketBuilder().header("Authorization", "Bearer " + token)
          .subprotocols(protocol).connectTimeout(Duration.ofSeconds(10))
          .buildAsync(uri, new WebSocket.Listener() {
            private int channel = -1;

            @Override
            public CompletionStage<?> onBinary(WebSocket webSocket, ByteBuffer data, boolean last) {
              byte[] bytes = new byte[data.remaining()];
              data.get(bytes);
              // A message may come in parts: only the first starts with the channel.
              int from = 0;
              if (channel < 0 && bytes.length > 0) {
                channel = bytes[0] & 0xff;
                from = 1;
              }
              if (channel >= 0 && channel < channels.length) {
                synchronized (channels) {
                  channels[channel].write(bytes, from, bytes.length - from);
                }
              }
              if (last) channel = -1;
              webSocket.request(1);
              return null;
            }

            @Override
            public CompletionStage<?> onClose(WebSocket webSocket, int statusCode, String reason) {
              closed.complete(null);
              return null;
            }

            @Override
            public void onError(WebSocket webSocket, Throwable error) {
              closed.completeExceptionally(error);
            }
          }).get(20, TimeUnit.SECONDS);
      assertThat(ws.getSubprotocol()).isEqualTo(protocol);
      for (byte[] m : messages) ws.sendBinary(ByteBuffer.wrap(m), true).get(10, TimeUnit.SECONDS);
      closed.get(20, TimeUnit.SECONDS);
    }
    String[] out = new String[channels.length];
    synchronized (channels) {
      for (int i = 0; i < out.length; i++) out[i] = channels[i].toString(StandardCharsets.UTF_8);
    }
    return out;
  }

  /**
   * Which protocol kubectl got, from its -v=6 request log: by default the WebSocket handshake
   * (a GET) is switched at once and there is no fallback; SPDY's upgrade is a POST.
   */
  private static void assertNegotiated(Way way, String stderr, String subresource) {
    List<String> requests = stderr.lines().filter(l -> l.contains("/" + subresource + "?")).toList();
    assertThat(stderr).as(stderr).doesNotContain("fallback").doesNotContain("bad handshake");
    String method = way == Way.DEFAULT ? "GET " : "POST ";
    assertThat(requests).as(stderr).isNotEmpty().allMatch(l -> l.contains(method) && l.contains("101 Switching Protocols"));
    if (way == Way.DEFAULT) assertThat(stderr).contains("The subprotocol is v5.channel.k8s.io");
  }

  /** A process run the way {@code way} runs kubectl (its kubeconfig and environment), stdin a pipe. */
  private static Process start(Way way, String... command) throws IOException {
    ProcessBuilder pb = new ProcessBuilder(command);
    pb.environment().put("KUBECONFIG", server.kubeconfig().toString());
    pb.environment().put("KUBECACHEDIR", server.kubeconfig().resolveSibling("kubectl-cache").toString());
    if (way.websockets != null) {
      pb.environment().put("KUBECTL_REMOTE_COMMAND_WEBSOCKETS", way.websockets);
    }
    return pb.start();
  }

  private static int freePort() throws Exception {
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return socket.getLocalPort();
    }
  }

  private static String read(InputStream in) {
    try (in) {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
