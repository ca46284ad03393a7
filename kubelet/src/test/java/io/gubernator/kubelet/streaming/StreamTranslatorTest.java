package io.gubernator.kubelet.streaming;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.gubernator.api.errors.StatusException;
import io.gubernator.kubelet.streaming.spdy.SpdyCodec;
import io.gubernator.kubelet.streaming.spdy.SpdyFrame;
import io.vertx.core.Context;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.UpgradeRejectedException;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketConnectOptions;
import io.vertx.core.net.NetServer;
import io.vertx.core.net.NetSocket;
import java.net.URI;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The translator between a WebSocket client (Vert.x's) and a scripted runtime that speaks
 * SPDY/3.1 as containerd's streaming server does: it echoes stdin to stdout, and on stdin's end
 * writes the status, then finishes its streams.
 */
class StreamTranslatorTest {

  private Vertx vertx;
  private int runtimePort;
  private int kubeletPort;
  /** The runtime's answer to the upgrade; a 101 unless a test refuses. */
  private volatile String upgradeAnswer = "HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: SPDY/3.1\r\n"
      + "X-Stream-Protocol-Version: v4.channel.k8s.io\r\n\r\n";
  private final BlockingQueue<String> upgradeRequests = new LinkedBlockingQueue<>();

  @BeforeEach
  void start() throws Exception {
    vertx = Vertx.vertx();
    NetServer runtime = vertx.createNetServer().connectHandler(this::runtime);
    runtimePort = runtime.listen(0, "127.0.0.1").toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS).actualPort();
    HttpServer kubelet = vertx.createHttpServer().requestHandler(req -> {
      req.pause();
      Context context = vertx.getOrCreateContext();
      Thread.ofVirtual().start(() -> {
        Promise<NetSocket> connected = Promise.promise();
        context.runOnContext(v -> vertx.createNetClient().connect(runtimePort, "127.0.0.1").onComplete(connected));
        try {
          NetSocket upstream = connected.future().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
          if (req.path().startsWith("/portForward/")) {
            PortForwardTunnel.open(context, upstream, URI.create("http://127.0.0.1:" + runtimePort + "/portforward/token"), req);
            return;
          }
          StreamTranslator.open(context, upstream, URI.create("http://127.0.0.1:" + runtimePort + "/exec/token"), req,
              WebSocketConnection.choose(req, StreamTranslator.PROTOCOLS), new StreamTranslator.Streams(true, true, true, false));
        } catch (StatusException e) {
          req.response().setStatusCode(e.code()).end(e.getMessage());
        } catch (Exception e) {
          req.response().setStatusCode(500).end(e.toString());
        }
      });
    });
    kubeletPort = kubelet.listen(0, "127.0.0.1").toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS).actualPort();
  }

  @AfterEach
  void stop() throws Exception {
    vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  /** The scripted runtime: an HTTP upgrade, then SPDY with the streams client-go would open. */
  private void runtime(NetSocket socket) {
    SpdyCodec codec = new SpdyCodec();
    Map<String, Integer> streams = new HashMap<>();
    Buffer head = Buffer.buffer();
    boolean[] switched = {false};
    socket.handler(chunk -> {
      if (!switched[0]) {
        head.appendBuffer(chunk);
        String text = head.toString();
        if (!text.contains("\r\n\r\n")) return;
        upgradeRequests.add(text);
        switched[0] = true;
        if (text.startsWith("POST /portforward/")) {
          // Bytes right behind the 101, in the same write: the tunnel must not lose them.
          socket.write(upgradeAnswer + "spdy-bytes;");
          socket.handler(socket::write);
          return;
        }
        socket.write(upgradeAnswer);
        if (!upgradeAnswer.startsWith("HTTP/1.1 101")) socket.end();
        return;
      }
      for (SpdyFrame f : codec.decode(chunk)) {
        if (f instanceof SpdyFrame.SynStream s) {
          streams.put(s.headers().get("streamtype"), s.streamId());
          socket.write(codec.encode(new SpdyFrame.SynReply(s.streamId(), 0, Map.of())));
          // Output before the client can have its WebSocket: the translator must keep it.
          if (streams.size() == 4) socket.write(codec.encode(new SpdyFrame.Data(streams.get("stdout"), 0, Buffer.buffer("early;"))));
        } else if (f instanceof SpdyFrame.Data d && d.streamId() == streams.get("stdin")) {
          if (d.payload().length() > 0) socket.write(codec.encode(new SpdyFrame.Data(streams.get("stdout"), 0, d.payload())));
          if (d.fin()) {
            socket.write(codec.encode(new SpdyFrame.Data(streams.get("error"), 0, Buffer.buffer("{\"status\":\"Success\"}"))));
            for (String type : List.of("stdout", "stderr")) {
              socket.write(codec.encode(new SpdyFrame.Data(streams.get(type), SpdyFrame.FLAG_FIN, Buffer.buffer())));
            }
            socket.write(codec.encode(new SpdyFrame.RstStream(streams.get("error"), SpdyFrame.RST_CANCEL)));
          }
        }
      }
    });
  }

  /** {@code setup} runs on the event loop as the socket opens: a handler set later would miss the first messages. */
  private WebSocket connect(Consumer<WebSocket> setup, String... protocols) throws Exception {
    WebSocketConnectOptions options = new WebSocketConnectOptions().setHost("127.0.0.1").setPort(kubeletPort)
        .setURI("/exec/ns/pod/main?stdin=1&stdout=1&stderr=1").setSubProtocols(List.of(protocols));
    return vertx.createWebSocketClient().connect(options).onSuccess(setup::accept)
        .toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  @Test
  void v5StdinAndItsCloseReachTheRuntimeAndItsOutputAndStatusComeBackBeforeTheClose() throws Exception {
    StringBuilder[] channels = {new StringBuilder(), new StringBuilder(), new StringBuilder(), new StringBuilder()};
    CompletableFuture<Short> closed = new CompletableFuture<>();
    WebSocket ws = connect(w -> {
      w.binaryMessageHandler(m -> channels[m.getByte(0)].append(m.getString(1, m.length())));
      w.closeHandler(v -> closed.complete(w.closeStatusCode()));
    }, "v5.channel.k8s.io", "v4.channel.k8s.io");
    assertThat(ws.subProtocol()).isEqualTo("v5.channel.k8s.io");
    ws.writeBinaryMessage(Buffer.buffer().appendByte((byte) 0).appendString("abc"));
    ws.writeBinaryMessage(Buffer.buffer().appendByte((byte) 0).appendString("def"));
    ws.writeBinaryMessage(Buffer.buffer(new byte[] {(byte) 255, 0}));
    assertThat(closed.get(10, TimeUnit.SECONDS)).isEqualTo((short) 1000);
    assertThat(channels[1].toString()).isEqualTo("early;abcdef");
    assertThat(channels[3].toString()).isEqualTo("{\"status\":\"Success\"}");
    String request = upgradeRequests.poll();
    assertThat(request).startsWith("POST /exec/token HTTP/1.1\r\n").contains("Upgrade: SPDY/3.1\r\n")
        .contains("X-Stream-Protocol-Version: v4.channel.k8s.io\r\n");
  }

  @Test
  void portForwardsTunnelRelaysBinaryMessagesAsRawBytesBothWays() throws Exception {
    StringBuilder received = new StringBuilder();
    CompletableFuture<Void> echoed = new CompletableFuture<>();
    WebSocketConnectOptions options = new WebSocketConnectOptions().setHost("127.0.0.1").setPort(kubeletPort)
        .setURI("/portForward/ns/pod").setSubProtocols(List.of("SPDY/3.1+portforward.k8s.io"));
    WebSocket ws = vertx.createWebSocketClient().connect(options).onSuccess(w -> w.binaryMessageHandler(m -> {
      received.append(m.toString());
      if (received.toString().endsWith("world")) echoed.complete(null);
    })).toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    assertThat(ws.subProtocol()).isEqualTo("SPDY/3.1+portforward.k8s.io");
    ws.writeBinaryMessage(Buffer.buffer("hello "));
    ws.writeBinaryMessage(Buffer.buffer("world"));
    echoed.get(10, TimeUnit.SECONDS);
    assertThat(received.toString()).isEqualTo("spdy-bytes;hello world");
    assertThat(upgradeRequests.poll()).startsWith("POST /portforward/token HTTP/1.1\r\n")
        .contains("X-Stream-Protocol-Version: portforward.k8s.io\r\n");
  }

  @Test
  void aRefusedUpgradeIsTheClientsHttpError() {
    upgradeAnswer = "HTTP/1.1 404 Not Found\r\nContent-Type: text/plain\r\nContent-Length: 9\r\n\r\nnot found";
    assertThatThrownBy(() -> connect(w -> { }, "v5.channel.k8s.io")).isInstanceOf(ExecutionException.class)
        .cause().isInstanceOfSatisfying(UpgradeRejectedException.class, e -> assertThat(e.getStatus()).isEqualTo(404));
  }
}
