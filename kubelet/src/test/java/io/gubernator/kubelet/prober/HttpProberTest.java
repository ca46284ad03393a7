package io.gubernator.kubelet.prober;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerBuilder;
import io.fabric8.kubernetes.api.model.HTTPHeader;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.Probe;
import io.fabric8.kubernetes.api.model.ProbeBuilder;
import io.gubernator.apiserver.pki.Pki;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** httpGet probes against servers on 127.0.0.1. */
class HttpProberTest {

  private static final String LOOPBACK = "127.0.0.1";

  private HttpServer server;
  private int port;
  private final List<String> paths = new CopyOnWriteArrayList<>();
  private final Map<String, String> lastHeaders = new ConcurrentHashMap<>();
  private final HttpProber http = new HttpProber();

  @BeforeEach
  void start() throws IOException {
    server = HttpServer.create(new InetSocketAddress(LOOPBACK, 0), 50);
    server.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
    routes(server);
    server.start();
    port = server.getAddress().getPort();
  }

  @AfterEach
  void stop() {
    server.stop(0);
  }

  private void routes(HttpServer s) {
    s.createContext("/healthz", ex -> reply(ex, 200, "ok"));
    s.createContext("/fail", ex -> reply(ex, 500, "secret detail"));
    s.createContext("/slow", ex -> {
      try {
        Thread.sleep(3000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      reply(ex, 200, "late");
    });
    s.createContext("/moved", ex -> redirect(ex, "/healthz"));
    s.createContext("/absolute", ex -> redirect(ex, "http://" + LOOPBACK + ":" + port + "/healthz"));
    s.createContext("/away", ex -> redirect(ex, "http://probe-target.invalid/healthz"));
    s.createContext("/loop", ex -> redirect(ex, "/loop"));
    s.createContext("/chunked", ex -> {
      paths.add(ex.getRequestURI().toString());
      ex.sendResponseHeaders(200, 0);
      try (OutputStream out = ex.getResponseBody()) {
        out.write("part one, ".getBytes(StandardCharsets.UTF_8));
        out.flush();
        out.write("part two".getBytes(StandardCharsets.UTF_8));
      }
    });
  }

  private void reply(HttpExchange ex, int status, String body) throws IOException {
    paths.add(ex.getRequestURI().toString());
    ex.getRequestHeaders().forEach((k, v) -> lastHeaders.put(k, String.join(",", v)));
    byte[] b = body.getBytes(StandardCharsets.UTF_8);
    ex.sendResponseHeaders(status, b.length);
    try (OutputStream out = ex.getResponseBody()) {
      out.write(b);
    }
  }

  private void redirect(HttpExchange ex, String location) throws IOException {
    paths.add(ex.getRequestURI().toString());
    ex.getResponseHeaders().add("Location", location);
    ex.sendResponseHeaders(302, -1);
    ex.close();
  }

  private ProbeResult get(String path) {
    return http.probe(HttpProber.url("http", LOOPBACK, port, path), List.of(), Duration.ofSeconds(2));
  }

  @Test
  void okIsSuccessWithTheBody() {
    assertThat(get("/healthz")).isEqualTo(ProbeResult.success("ok"));
  }

  @Test
  void serverErrorIsFailureWithoutTheBody() {
    assertThat(get("/fail")).isEqualTo(ProbeResult.failure("HTTP probe failed with statuscode: 500"));
  }

  @Test
  void notFoundIsFailure() {
    assertThat(get("/nothing-here").result()).isEqualTo(ProbeResult.Result.FAILURE);
  }

  @Test
  void refusedPortIsFailureInGoWords() throws IOException {
    int closed = refusedPort();
    ProbeResult r = http.probe(HttpProber.url("http", LOOPBACK, closed, "/healthz"), List.of(), Duration.ofSeconds(1));
    assertThat(r).isEqualTo(ProbeResult.failure("Get \"http://127.0.0.1:" + closed + "/healthz\": dial tcp 127.0.0.1:" + closed
        + ": connect: connection refused"));
  }

  @Test
  void slowServerIsFailureAtTheTimeout() {
    long t0 = System.nanoTime();
    ProbeResult r = http.probe(HttpProber.url("http", LOOPBACK, port, "/slow"), List.of(), Duration.ofMillis(300));
    Duration took = Duration.ofNanos(System.nanoTime() - t0);
    assertThat(r).isEqualTo(ProbeResult.failure("Get \"http://127.0.0.1:" + port
        + "/slow\": context deadline exceeded (Client.Timeout exceeded while awaiting headers)"));
    assertThat(took).isLessThan(Duration.ofMillis(2000));
  }

  @Test
  void relativeAndAbsoluteRedirectsToTheSameHostAreFollowed() {
    assertThat(get("/moved")).isEqualTo(ProbeResult.success("ok"));
    assertThat(get("/absolute")).isEqualTo(ProbeResult.success("ok"));
    assertThat(paths).containsExactly("/moved", "/healthz", "/absolute", "/healthz");
  }

  @Test
  void redirectToAnotherHostIsNotFollowedAndWarns() {
    assertThat(get("/away")).isEqualTo(ProbeResult.warning("Probe terminated redirects, Response body: "));
    assertThat(paths).containsExactly("/away");
  }

  @Test
  void redirectLoopStopsAfterTenRequests() {
    assertThat(get("/loop")).isEqualTo(ProbeResult.failure("Get \"http://127.0.0.1:" + port + "/loop\": stopped after 10 redirects"));
    assertThat(paths).hasSize(10);
  }

  @Test
  void chunkedBodyIsRead() {
    assertThat(get("/chunked")).isEqualTo(ProbeResult.success("part one, part two"));
  }

  @Test
  void sendsKubeProbeHeadersAndTheProbesOwn() {
    http.probe(HttpProber.url("http", LOOPBACK, port, "/healthz?verbose=1"),
        List.of(new HTTPHeader("x-custom-header", "Awesome"), new HTTPHeader("Host", "web.example")), Duration.ofSeconds(2));
    assertThat(paths).containsExactly("/healthz?verbose=1");
    assertThat(lastHeaders).containsEntry("User-agent", "kube-probe/1.32").containsEntry("Accept", "*/*")
        .containsEntry("X-custom-header", "Awesome").containsEntry("Host", "web.example").containsEntry("Connection", "close");
  }

  @Test
  void userAgentAndAcceptCanBeOverridden() {
    http.probe(HttpProber.url("http", LOOPBACK, port, "/healthz"),
        List.of(new HTTPHeader("User-Agent", "mine"), new HTTPHeader("Accept", "")), Duration.ofSeconds(2));
    assertThat(lastHeaders).containsEntry("User-agent", "mine").doesNotContainKey("Accept");
  }

  @Test
  void httpsSkipsCertificateVerification(@TempDir Path dir) throws Exception {
    // A certificate from a CA the prober has never seen, for a name that is not the address.
    Pki pki = Pki.loadOrCreate(dir, List.of("not-this-host.example"), List.of());
    KeyStore ks = KeyStore.getInstance("PKCS12");
    ks.load(null, null);
    ks.setKeyEntry("serving", pki.serving().key(), new char[0], new Certificate[] {pki.serving().certificate(), pki.ca().certificate()});
    KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
    kmf.init(ks, new char[0]);
    SSLContext tls = SSLContext.getInstance("TLS");
    tls.init(kmf.getKeyManagers(), null, null);
    HttpsServer https = HttpsServer.create(new InetSocketAddress(LOOPBACK, 0), 10);
    https.setHttpsConfigurator(new HttpsConfigurator(tls));
    routes(https);
    https.start();
    try {
      int p = https.getAddress().getPort();
      assertThat(http.probe(HttpProber.url("HTTPS", LOOPBACK, p, "/healthz"), List.of(), Duration.ofSeconds(5)))
          .isEqualTo(ProbeResult.success("ok"));
      assertThat(http.probe(HttpProber.url("https", LOOPBACK, p, "/fail"), List.of(), Duration.ofSeconds(5)))
          .isEqualTo(ProbeResult.failure("HTTP probe failed with statuscode: 500"));
    } finally {
      https.stop(0);
    }
  }

  @Test
  void containerProberResolvesNamedPortsAndUsesThePodIp() {
    Container c = new ContainerBuilder().withName("app").addNewPort().withName("http").withContainerPort(port).endPort().build();
    Pod pod = new PodBuilder().withNewMetadata().withName("web").withNamespace("default").endMetadata().build();
    ContainerProber prober = new ContainerProber((id, cmd, timeout) -> { throw new AssertionError("no exec"); });
    Probe named = new ProbeBuilder().withNewHttpGet().withPath("/healthz").withPort(new IntOrString("http")).endHttpGet()
        .withTimeoutSeconds(1).build();
    assertThat(prober.probe(pod, LOOPBACK, c, "c1", named)).isEqualTo(ProbeResult.success("ok"));
    Probe unknownPort = new ProbeBuilder().withNewHttpGet().withPath("/healthz").withPort(new IntOrString("metrics")).endHttpGet().build();
    assertThat(prober.probe(pod, LOOPBACK, c, "c1", unknownPort)).isEqualTo(ProbeResult.unknown("couldn't find port: metrics in app"));
    Probe failing = new ProbeBuilder().withNewHttpGet().withPath("/fail").withPort(new IntOrString(port)).endHttpGet().build();
    assertThat(prober.probe(pod, LOOPBACK, c, "c1", failing).output()).isEqualTo("HTTP probe failed with statuscode: 500");
    assertThat(prober.probe(pod, "", c, "c1", failing).result()).as("no pod IP yet").isEqualTo(ProbeResult.Result.UNKNOWN);
  }

  static int refusedPort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getByName(LOOPBACK))) {
      return s.getLocalPort();
    }
  }
}
