package io.gubernator.apiserver.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.gubernator.api.serialization.Json;
import io.gubernator.apiserver.pki.Pki;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.ClientAuth;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketClientOptions;
import io.vertx.core.http.WebSocketConnectOptions;
import io.vertx.core.http.impl.Http1xServerConnection;
import io.vertx.core.net.PemKeyCertOptions;
import io.vertx.core.net.PemTrustOptions;
import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * pods/log, exec, portforward and nodes/proxy through the real API server to a test kubelet: a
 * small HTTPS server that streams logs, echoes WebSocket frames and echoes raw bytes after a
 * SPDY/3.1 switch, and records what reached it.
 */
class KubeletProxyTest {

  @RegisterExtension
  static final ApiServerFixture server = ApiServerFixture.perClass();
  static HttpClient http;
  static TestKubelet kubelet;

  @BeforeAll
  static void start() throws Exception {
    http = server.httpClient();
    Pki pki = Pki.loadOrCreate(server.dataDir().resolve("tls"), List.of("localhost"), List.of("127.0.0.1"));
    kubelet = new TestKubelet(pki);
    send("POST", "/api/v1/nodes", "{\"metadata\":{\"name\":\"n1\"}}");
    send("PATCH", "/api/v1/nodes/n1/status", "{\"status\":{\"addresses\":[{\"type\":\"Hostname\",\"address\":\"no-such-host.invalid\"},"
        + "{\"type\":\"InternalIP\",\"address\":\"127.0.0.1\"}],\"daemonEndpoints\":{\"kubeletEndpoint\":{\"Port\":" + kubelet.port + "}}}}");
    pod("single", "n1", "", "{\"name\":\"c\",\"image\":\"busybox\"}");
    pod("multi", "n1", "\"initContainers\":[{\"name\":\"i\",\"image\":\"busybox\"}],",
        "{\"name\":\"a\",\"image\":\"busybox\"},{\"name\":\"b\",\"image\":\"busybox\"}");
    pod("unbound", "", "", "{\"name\":\"c\",\"image\":\"busybox\"}");
  }

  private static void pod(String name, String node, String extraSpec, String containers) throws Exception {
    String body = "{\"metadata\":{\"name\":\"" + name + "\",\"annotations\":{}},\"spec\":{" + extraSpec
        + (node.isEmpty() ? "" : "\"nodeName\":\"" + node + "\",") + "\"containers\":[" + containers + "]}}";
    assertThat(send("POST", "/api/v1/namespaces/default/pods", body).statusCode()).isEqualTo(201);
  }

  @AfterAll
  static void stop() throws Exception {
    if (kubelet != null) kubelet.close();
  }

  private static HttpResponse<String> send(String method, String path, String json) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(server.url() + path)).header("Accept", "application/json");
    if (json != null) b.header("Content-Type", method.equals("PATCH") ? "application/merge-patch+json" : "application/json");
    b.method(method, json == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(json));
    return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  private static JsonNode json(HttpResponse<String> r) {
    return Json.parseObject(r.body().getBytes(StandardCharsets.UTF_8));
  }

  @Test
  void logsAreFetchedFromTheKubeletWithTheParametersAndTheApiServersClientCertificate() throws Exception {
    HttpResponse<String> r = send("GET", "/api/v1/namespaces/default/pods/single/log?tailLines=5&timestamps=true"
        + "&sinceTime=2024-01-02T03:04:05Z&limitBytes=100&insecureSkipTLSVerifyBackend=true", null);
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.headers().firstValue("Content-Type")).hasValue("text/plain");
    assertThat(r.body()).isEqualTo("log of default/single/c\n");
    assertThat(kubelet.lastUri).isEqualTo("/containerLogs/default/single/c?limitBytes=100&sinceTime=2024-01-02T03%3A04%3A05Z"
        + "&tailLines=5&timestamps=true");
    assertThat(kubelet.lastClientCn).isEqualTo("kube-apiserver-kubelet-client");

    assertThat(send("GET", "/api/v1/namespaces/default/pods/multi/log?container=i&previous=1", null).body())
        .isEqualTo("log of default/multi/i\n");
    assertThat(kubelet.lastUri).isEqualTo("/containerLogs/default/multi/i?previous=true");
  }

  @Test
  void followStreamsLinesAsTheKubeletWritesThem() throws Exception {
    HttpResponse<InputStream> r = http.send(HttpRequest.newBuilder(URI.create(server.url()
        + "/api/v1/namespaces/default/pods/single/log?follow=true")).build(), HttpResponse.BodyHandlers.ofInputStream());
    assertThat(r.statusCode()).isEqualTo(200);
    try (BufferedReader lines = new BufferedReader(new InputStreamReader(r.body(), StandardCharsets.UTF_8))) {
      HttpServerResponse follower = kubelet.followers.poll(10, TimeUnit.SECONDS);
      assertThat(follower).isNotNull();
      assertThat(lines.readLine()).isEqualTo("first");
      kubelet.vertx.runOnContext(v -> follower.write("second\n"));
      assertThat(lines.readLine()).isEqualTo("second");
      kubelet.vertx.runOnContext(v -> follower.end("last\n"));
      assertThat(lines.readLine()).isEqualTo("last");
      assertThat(lines.readLine()).isNull();
    }
    assertThat(kubelet.lastUri).isEqualTo("/containerLogs/default/single/c?follow=true");
  }

  @Test
  void errorsAreKubernetesStatuses() throws Exception {
    HttpResponse<String> missing = send("GET", "/api/v1/namespaces/default/pods/nope/log", null);
    assertThat(missing.statusCode()).isEqualTo(404);
    assertThat(json(missing).path("message").asText()).isEqualTo("pods \"nope\" not found");

    HttpResponse<String> choose = send("GET", "/api/v1/namespaces/default/pods/multi/log", null);
    assertThat(choose.statusCode()).isEqualTo(400);
    assertThat(json(choose).path("reason").asText()).isEqualTo("BadRequest");
    assertThat(json(choose).path("message").asText())
        .isEqualTo("a container name must be specified for pod multi, choose one of: [i a b]");

    HttpResponse<String> unknown = send("GET", "/api/v1/namespaces/default/pods/multi/log?container=zz", null);
    assertThat(unknown.statusCode()).isEqualTo(400);
    assertThat(json(unknown).path("message").asText()).isEqualTo("container zz is not valid for pod multi");

    HttpResponse<String> invalid = send("GET", "/api/v1/namespaces/default/pods/single/log?tailLines=-1", null);
    assertThat(invalid.statusCode()).isEqualTo(422);
    assertThat(json(invalid).at("/details/causes/0/field").asText()).isEqualTo("tailLines");
    assertThat(send("GET", "/api/v1/namespaces/default/pods/single/log?tailLines=x", null).statusCode()).isEqualTo(400);
    assertThat(send("GET", "/api/v1/namespaces/default/pods/single/log?sinceTime=yesterday", null).statusCode()).isEqualTo(400);
    assertThat(send("POST", "/api/v1/namespaces/default/pods/single/log", "{}").statusCode()).isEqualTo(405);

    // The kubelet's own refusal becomes a Status with its code and text.
    HttpResponse<String> waiting = send("GET", "/api/v1/namespaces/default/pods/multi/log?container=b", null);
    assertThat(waiting.statusCode()).isEqualTo(400);
    assertThat(json(waiting).path("message").asText()).isEqualTo("container \"b\" in pod \"multi\" is waiting to start: ContainerCreating");

    // As Kubernetes: no node yet means no logs (an empty stream), but exec needs a node.
    HttpResponse<String> unboundLogs = send("GET", "/api/v1/namespaces/default/pods/unbound/log", null);
    assertThat(unboundLogs.statusCode()).isEqualTo(200);
    assertThat(unboundLogs.body()).isEmpty();
    HttpResponse<String> unboundExec = send("POST", "/api/v1/namespaces/default/pods/unbound/exec?command=ls", null);
    assertThat(unboundExec.statusCode()).isEqualTo(400);
    assertThat(json(unboundExec).path("message").asText()).isEqualTo("pod unbound does not have a host assigned");

    HttpResponse<String> execChoose = send("POST", "/api/v1/namespaces/default/pods/multi/exec?command=ls", null);
    assertThat(json(execChoose).path("message").asText())
        .isEqualTo("a container name must be specified for pod multi, choose one of: [a b] or one of the init containers: [i]");
    HttpResponse<String> noUpgrade = send("POST", "/api/v1/namespaces/default/pods/single/exec?command=ls", null);
    assertThat(noUpgrade.statusCode()).isEqualTo(400);
    assertThat(json(noUpgrade).path("message").asText()).isEqualTo("Upgrade request required");
  }

  @Test
  void theDefaultContainerAnnotationPicksTheExecContainer() throws Exception {
    send("PATCH", "/api/v1/namespaces/default/pods/multi",
        "{\"metadata\":{\"annotations\":{\"kubectl.kubernetes.io/default-container\":\"b\"}}}");
    try {
      WebSocket ws = kubelet.webSocket("/api/v1/namespaces/default/pods/multi/exec?command=ls&stdout=true",
          List.of("v4.channel.k8s.io"));
      ws.close();
      assertThat(kubelet.lastUri).isEqualTo("/exec/default/multi/b?command=ls&stdout=1");
    } finally {
      send("PATCH", "/api/v1/namespaces/default/pods/multi",
          "{\"metadata\":{\"annotations\":{\"kubectl.kubernetes.io/default-container\":null}}}");
    }
  }

  @Test
  void execWebSocketFramesPassBothWaysWithTheKubeletsSubprotocol() throws Exception {
    WebSocket ws = kubelet.webSocket("/api/v1/namespaces/default/pods/single/exec?command=sh&command=-c&command=echo%20hi"
        + "&stdin=true&stdout=true&stderr=false&tty=true", List.of("v5.channel.k8s.io", "v4.channel.k8s.io"));
    try {
      // The test kubelet speaks only v4: the answer must be the kubelet's, not this server's choice.
      assertThat(ws.subProtocol()).isEqualTo("v4.channel.k8s.io");
      assertThat(kubelet.lastUri).isEqualTo("/exec/default/single/c?command=sh&command=-c&command=echo+hi&stdin=1&stdout=1&tty=1");
      BlockingQueue<Buffer> echoes = new LinkedBlockingQueue<>();
      ws.binaryMessageHandler(echoes::add);
      ws.writeBinaryMessage(Buffer.buffer(new byte[] {0, 'h', 'e', 'y'}));
      assertThat(echoes.poll(10, TimeUnit.SECONDS)).isEqualTo(Buffer.buffer(new byte[] {0, 'h', 'e', 'y'}));
      ws.writeBinaryMessage(Buffer.buffer("x".repeat(200_000)));
      assertThat(echoes.poll(10, TimeUnit.SECONDS).length()).isEqualTo(200_000);
    } finally {
      ws.close();
    }
  }

  @Test
  void portForwardSwitchesToSpdyAndPassesRawBytes() throws Exception {
    try (SSLSocket socket = (SSLSocket) server.adminSslContext().getSocketFactory().createSocket("127.0.0.1", server.port())) {
      socket.setSoTimeout(10_000);
      OutputStream out = socket.getOutputStream();
      out.write(("POST /api/v1/namespaces/default/pods/single/portforward?ports=8080 HTTP/1.1\r\nHost: 127.0.0.1\r\n"
          + "Connection: Upgrade\r\nUpgrade: SPDY/3.1\r\nX-Stream-Protocol-Version: portforward.k8s.io\r\n"
          + "Content-Length: 0\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
      out.flush();
      InputStream in = socket.getInputStream();
      String head = readHead(in);
      assertThat(head).startsWith("HTTP/1.1 101");
      assertThat(head).containsIgnoringCase("upgrade: SPDY/3.1").containsIgnoringCase("X-Stream-Protocol-Version: portforward.k8s.io");
      assertThat(kubelet.lastUri).isEqualTo("/portForward/default/single?port=8080");
      // The kubelet's first bytes after its 101 may come in the same read as its head.
      assertThat(new String(in.readNBytes(6), StandardCharsets.ISO_8859_1)).isEqualTo("hello\n");
      out.write("ping".getBytes(StandardCharsets.ISO_8859_1));
      out.flush();
      assertThat(new String(in.readNBytes(4), StandardCharsets.ISO_8859_1)).isEqualTo("ping");
      out.write(new byte[70_000]);
      out.flush();
      assertThat(in.readNBytes(70_000)).hasSize(70_000);
    }
  }

  @Test
  void aKubeletRefusingTheUpgradeIsRelayedAndTheConnectionStaysHttp() throws Exception {
    try (SSLSocket socket = (SSLSocket) server.adminSslContext().getSocketFactory().createSocket("127.0.0.1", server.port())) {
      socket.setSoTimeout(10_000);
      OutputStream out = socket.getOutputStream();
      String upgrade = "POST /api/v1/namespaces/default/pods/multi/exec?container=a&command=ls&stdout=1 HTTP/1.1\r\n"
          + "Host: 127.0.0.1\r\nConnection: Upgrade\r\nUpgrade: SPDY/3.1\r\n"
          + "X-Stream-Protocol-Version: v4.channel.k8s.io\r\nContent-Length: 0\r\n\r\n";
      out.write(upgrade.getBytes(StandardCharsets.ISO_8859_1));
      out.flush();
      InputStream in = socket.getInputStream();
      String head = readHead(in);
      assertThat(head).startsWith("HTTP/1.1 404");
      int length = Integer.parseInt(head.replaceAll("(?is).*content-length: *([0-9]+).*", "$1"));
      assertThat(new String(in.readNBytes(length), StandardCharsets.UTF_8)).isEqualTo("container not found (\"a\")");
      // Nothing was taken over: the same connection serves the next request.
      out.write("GET /api/v1/namespaces/default/pods/single HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
      out.flush();
      assertThat(readHead(in)).startsWith("HTTP/1.1 200");
    }
  }

  private static String readHead(InputStream in) throws Exception {
    ByteArrayOutputStream head = new ByteArrayOutputStream();
    while (!head.toString(StandardCharsets.ISO_8859_1).endsWith("\r\n\r\n")) {
      int b = in.read();
      if (b < 0) break;
      head.write(b);
    }
    return head.toString(StandardCharsets.ISO_8859_1);
  }

  @Test
  void nodeProxyForwardsPathQueryAndBody() throws Exception {
    HttpResponse<String> r = send("POST", "/api/v1/nodes/n1/proxy/configz/x%2Fy?a=1&b=2", "{\"k\":1}");
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.body()).isEqualTo("POST /configz/x%2Fy?a=1&b=2 {\"k\":1}");
    assertThat(send("GET", "/api/v1/nodes/n1/proxy", null).body()).isEqualTo("GET / ");
    assertThat(send("GET", "/api/v1/nodes/n1:" + kubelet.port + "/proxy/healthz", null).body()).isEqualTo("GET /healthz ");
    assertThat(send("GET", "/api/v1/nodes/none/proxy/healthz", null).statusCode()).isEqualTo(404);
  }

  @Test
  void requestsMustBeAuthenticated() throws Exception {
    KeyStore trust = KeyStore.getInstance("PKCS12");
    trust.load(null, null);
    trust.setCertificateEntry("ca", Pki.loadOrCreate(server.dataDir().resolve("tls"), List.of("localhost"), List.of("127.0.0.1")).ca().certificate());
    TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    tmf.init(trust);
    SSLContext ctx = SSLContext.getInstance("TLS");
    ctx.init(null, tmf.getTrustManagers(), null);
    try (HttpClient anonymous = HttpClient.newBuilder().sslContext(ctx).version(HttpClient.Version.HTTP_1_1).build()) {
      for (String path : List.of("/api/v1/namespaces/default/pods/single/log", "/api/v1/nodes/n1/proxy/healthz")) {
        HttpResponse<String> r = anonymous.send(HttpRequest.newBuilder(URI.create(server.url() + path)).build(),
            HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).isEqualTo(401);
      }
    }
  }

  @Test
  void discoveryListsTheKubeletSubresources() throws Exception {
    JsonNode list = json(send("GET", "/api/v1", null));
    List<String> names = new java.util.ArrayList<>();
    list.path("resources").forEach(r -> names.add(r.path("name").asText()));
    assertThat(names).contains("pods/log", "pods/exec", "pods/attach", "pods/portforward", "nodes/proxy");
    JsonNode aggregated = Json.parseObject(http.send(HttpRequest.newBuilder(URI.create(server.url() + "/api"))
        .header("Accept", "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList").build(),
        HttpResponse.BodyHandlers.ofByteArray()).body());
    List<String> podSubresources = new java.util.ArrayList<>();
    aggregated.at("/items/0/versions/0/resources").forEach(r -> {
      if (r.path("resource").asText().equals("pods")) r.path("subresources").forEach(s -> podSubresources.add(s.path("subresource").asText()));
    });
    assertThat(podSubresources).containsSubsequence("attach", "binding", "exec", "log", "portforward", "status");
  }

  @Test
  void kubectlLogsReadsThroughTheApiServer() throws Exception {
    Process p = new ProcessBuilder("/usr/bin/kubectl", "--kubeconfig", server.kubeconfig().toString(), "logs", "single",
        "--tail=3").redirectErrorStream(true).start();
    String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(output).isEqualTo("log of default/single/c\n");
    assertThat(p.exitValue()).isZero();
    assertThat(kubelet.lastUri).isEqualTo("/containerLogs/default/single/c?tailLines=3");
  }

  /** A kubelet's streaming endpoints, just enough to see what the API server sends and relays. */
  static final class TestKubelet implements AutoCloseable {

    final Vertx vertx = Vertx.vertx();
    final HttpServer server;
    final int port;
    final WebSocketClient wsClient;
    final BlockingQueue<HttpServerResponse> followers = new LinkedBlockingQueue<>();
    volatile String lastUri;
    volatile String lastClientCn;

    TestKubelet(Pki pki) throws Exception {
      Pki.CertifiedKey serving = pki.issueServing("test-kubelet", "test-kubelet", List.of("localhost"), List.of("127.0.0.1"));
      server = vertx.createHttpServer(new HttpServerOptions().setSsl(true).setHost("127.0.0.1").setPort(0)
          .setKeyCertOptions(new PemKeyCertOptions().setCertValue(Buffer.buffer(serving.certificatePem()))
              .setKeyValue(Buffer.buffer(serving.keyPem())))
          .setTrustOptions(new PemTrustOptions().addCertValue(Buffer.buffer(pki.ca().certificatePem())))
          .setClientAuth(ClientAuth.REQUIRED)
          .setWebSocketSubProtocols(List.of("v4.channel.k8s.io"))
          .setMaxWebSocketFrameSize(1 << 20).setMaxWebSocketMessageSize(1 << 20))
          .requestHandler(this::handle);
      port = server.listen().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS).actualPort();
      wsClient = vertx.createWebSocketClient(new WebSocketClientOptions().setSsl(true)
          .setTrustOptions(new PemTrustOptions().addCertValue(Buffer.buffer(pki.ca().certificatePem())))
          .setKeyCertOptions(new PemKeyCertOptions().setCertValue(Buffer.buffer(pki.admin().certificatePem()))
              .setKeyValue(Buffer.buffer(pki.admin().keyPem())))
          .setMaxFrameSize(1 << 20).setMaxMessageSize(1 << 20));
    }

    /** A WebSocket through the API server (the client side of kubectl exec). */
    WebSocket webSocket(String uri, List<String> subprotocols) throws Exception {
      WebSocketConnectOptions o = new WebSocketConnectOptions().setHost("127.0.0.1").setPort(KubeletProxyTest.server.port())
          .setSsl(true).setURI(uri).setSubProtocols(subprotocols);
      return wsClient.connect(o).toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    }

    private void handle(HttpServerRequest req) {
      lastUri = req.uri();
      try {
        lastClientCn = ((X509Certificate) req.connection().sslSession().getPeerCertificates()[0])
            .getSubjectX500Principal().getName().replaceAll(".*CN=([^,]+).*", "$1");
      } catch (Exception e) {
        lastClientCn = null;
      }
      String path = req.path();
      if (path.startsWith("/containerLogs/")) {
        if (path.endsWith("/multi/b")) {
          req.response().setStatusCode(400).end("container \"b\" in pod \"multi\" is waiting to start: ContainerCreating");
        } else if ("true".equals(req.getParam("follow"))) {
          req.response().setChunked(true).write("first\n");
          followers.add(req.response());
        } else {
          String[] p = path.split("/");
          req.response().setChunked(true).end("log of " + p[2] + "/" + p[3] + "/" + p[4] + "\n");
        }
      } else if (path.startsWith("/exec/default/multi/a")) {
        req.response().setStatusCode(404).end("container not found (\"a\")");
      } else if (path.startsWith("/exec/")) {
        req.toWebSocket().onSuccess(ws -> ws.binaryMessageHandler(ws::writeBinaryMessage));
      } else if (path.startsWith("/portForward/")) {
        // A POST upgrade, as kubectl's SPDY dialer sends it: the head is written by hand.
        ((Http1xServerConnection) req.connection()).netSocket().onSuccess(socket -> {
          socket.write("HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: SPDY/3.1\r\n"
              + "X-Stream-Protocol-Version: portforward.k8s.io\r\n\r\nhello\n");
          socket.handler(socket::write);
        });
      } else {
        req.body().onSuccess(body -> req.response().end(req.method() + " " + req.uri() + " " + body));
      }
    }

    @Override
    public void close() throws Exception {
      vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }
  }
}
