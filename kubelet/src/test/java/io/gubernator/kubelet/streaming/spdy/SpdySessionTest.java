package io.gubernator.kubelet.streaming.spdy;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Context;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.net.NetServer;
import io.vertx.core.net.NetSocket;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The session against a scripted server speaking SPDY/3.1 with a codec of its own. */
class SpdySessionTest {

  private Vertx vertx;
  private NetServer server;
  /** What the server received, frame by frame. */
  private final BlockingQueue<SpdyFrame> atServer = new LinkedBlockingQueue<>();
  private final CompletableFuture<NetSocket> serverSide = new CompletableFuture<>();
  private final SpdyCodec serverCodec = new SpdyCodec();
  /** What the session reported. */
  private final BlockingQueue<String> events = new LinkedBlockingQueue<>();
  private Context context;
  private SpdySession session;

  @BeforeEach
  void connect() throws Exception {
    vertx = Vertx.vertx();
    server = vertx.createNetServer().connectHandler(socket -> {
      socket.handler(chunk -> atServer.addAll(serverCodec.decode(chunk)));
      serverSide.complete(socket);
    });
    int port = server.listen(0, "127.0.0.1").toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS).actualPort();
    context = vertx.getOrCreateContext();
    CompletableFuture<SpdySession> made = new CompletableFuture<>();
    context.runOnContext(v -> vertx.createNetClient().connect(port, "127.0.0.1").onSuccess(socket -> {
      SpdySession s = new SpdySession(socket, new SpdySession.Handler() {
        @Override
        public void data(int streamId, Buffer data) {
          events.add("data " + streamId + " " + data);
        }

        @Override
        public void remoteClosed(int streamId, boolean reset) {
          events.add((reset ? "reset " : "fin ") + streamId);
        }

        @Override
        public void goAway(int status) {
          events.add("goaway " + status);
        }

        @Override
        public void closed(Throwable cause) {
          events.add("closed " + (cause == null ? "" : cause.getMessage()));
        }
      });
      s.start(Buffer.buffer());
      made.complete(s);
    }).onFailure(made::completeExceptionally));
    session = made.get(10, TimeUnit.SECONDS);
  }

  @AfterEach
  void close() throws Exception {
    vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  private void toClient(SpdyFrame... frames) throws Exception {
    NetSocket socket = serverSide.get(10, TimeUnit.SECONDS);
    Buffer b = Buffer.buffer();
    for (SpdyFrame f : frames) b.appendBuffer(serverCodec.encode(f));
    socket.write(b);
  }

  private SpdyFrame atServer() throws InterruptedException {
    SpdyFrame f = atServer.poll(10, TimeUnit.SECONDS);
    assertThat(f).as("a frame at the server").isNotNull();
    return f;
  }

  private String event() throws InterruptedException {
    String e = events.poll(10, TimeUnit.SECONDS);
    assertThat(e).as("an event from the session").isNotNull();
    return e;
  }

  @Test
  void streamsOpenWithOddIdsAndCarryDataAndFinBothWays() throws Exception {
    CompletableFuture<Map<String, String>> replied = new CompletableFuture<>();
    CompletableFuture<Integer> opened = new CompletableFuture<>();
    context.runOnContext(v -> {
      Promise<Map<String, String>> p = Promise.promise();
      p.future().onComplete(r -> replied.complete(r.result()));
      int first = session.open(Map.of("streamType", "error"), Promise.promise());
      opened.complete(session.open(Map.of("streamType", "stdin"), p));
      assertThat(first).isEqualTo(1);
    });
    assertThat(opened.get(10, TimeUnit.SECONDS)).isEqualTo(3);
    assertThat(atServer()).isEqualTo(new SpdyFrame.SynStream(1, 0, 0, 0, Map.of("streamtype", "error")));
    assertThat(atServer()).isEqualTo(new SpdyFrame.SynStream(3, 0, 0, 0, Map.of("streamtype", "stdin")));
    toClient(new SpdyFrame.SynReply(1, 0, Map.of()), new SpdyFrame.SynReply(3, 0, Map.of("ok", "1")));
    assertThat(replied.get(10, TimeUnit.SECONDS)).isEqualTo(Map.of("ok", "1"));

    context.runOnContext(v -> {
      session.write(3, Buffer.buffer("x".repeat(70_000)));
      session.finish(3);
    });
    int received = 0;
    while (received < 70_000) {
      SpdyFrame.Data d = (SpdyFrame.Data) atServer();
      assertThat(d.streamId()).isEqualTo(3);
      assertThat(d.payload().length()).isLessThanOrEqualTo(32 * 1024);
      received += d.payload().length();
    }
    assertThat(received).isEqualTo(70_000);
    assertThat(atServer()).isEqualTo(new SpdyFrame.Data(3, SpdyFrame.FLAG_FIN, Buffer.buffer()));

    toClient(new SpdyFrame.Data(1, 0, Buffer.buffer("status")), new SpdyFrame.Data(1, SpdyFrame.FLAG_FIN, Buffer.buffer()),
        new SpdyFrame.RstStream(3, SpdyFrame.RST_CANCEL));
    assertThat(List.of(event(), event(), event())).containsExactly("data 1 status", "fin 1", "reset 3");
  }

  @Test
  void thePeersPingsAreEchoedAndItsGoAwayAndEndReported() throws Exception {
    toClient(new SpdyFrame.Settings(0, Map.of(SpdyFrame.SETTINGS_INITIAL_WINDOW_SIZE, 1 << 20)), new SpdyFrame.Ping(2),
        new SpdyFrame.WindowUpdate(1, 100), new SpdyFrame.GoAway(0, 0));
    assertThat(atServer()).isEqualTo(new SpdyFrame.Ping(2));
    assertThat(event()).isEqualTo("goaway 0");
    serverSide.get(10, TimeUnit.SECONDS).close();
    assertThat(event()).isEqualTo("closed ");
  }

  @Test
  void aBrokenPeerEndsTheSessionWithAGoAway() throws Exception {
    serverSide.get(10, TimeUnit.SECONDS).write(Buffer.buffer(new byte[] {(byte) 0x80, 2, 0, 6, 0, 0, 0, 4, 0, 0, 0, 1}));
    assertThat(event()).startsWith("closed unsupported SPDY version 2");
    assertThat(atServer()).isEqualTo(new SpdyFrame.GoAway(0, SpdyFrame.RST_PROTOCOL_ERROR));
  }
}
