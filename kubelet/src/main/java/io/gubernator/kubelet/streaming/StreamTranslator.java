package io.gubernator.kubelet.streaming;

import io.gubernator.api.errors.StatusException;
import io.gubernator.api.proxy.UpgradeProxy;
import io.gubernator.kubelet.streaming.spdy.SpdySession;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.net.NetSocket;
import java.net.URI;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Exec and attach for WebSocket clients ({@code v5.channel.k8s.io}, kubectl 1.30+, and
 * {@code v4.channel.k8s.io}) on a runtime that serves them over SPDY/3.1 only, as Kubernetes'
 * StreamTranslatorProxy does in its API server. The runtime is asked first: a SPDY session with
 * one stream per requested standard stream (plus error, plus resize for a terminal), and the
 * WebSocket is accepted once all are open, so a refusal still reaches the client as an HTTP
 * error. Then each WebSocket message's first byte picks the SPDY stream for the rest, and the
 * runtime's stream data goes back prefixed with its channel.
 *
 * <p>The error stream carries the v4 status JSON ({@code Success}, or {@code Failure} with
 * reason {@code NonZeroExitCode} and the code as a cause) in both protocols, so it is passed on
 * unchanged. The WebSocket is closed once the runtime has finished every stream it writes:
 * client-go reads the status only to its end, which for a WebSocket is the close.
 */
public final class StreamTranslator {

  private static final Logger LOG = LoggerFactory.getLogger(StreamTranslator.class);

  public static final String V5 = "v5.channel.k8s.io";
  public static final String V4 = "v4.channel.k8s.io";
  private static final int MAX_EARLY_BYTES = 1024 * 1024;
  /** In preference order; a client offering neither goes to the runtime's own WebSocket server. */
  public static final List<String> PROTOCOLS = List.of(V5, V4);

  /** The standard streams of the exec or attach request (as given to the runtime). */
  public record Streams(boolean stdin, boolean stdout, boolean stderr, boolean tty) {}

  private final Channels channels;
  private final Map<Integer, Integer> channelOfStream = new HashMap<>();
  private final Map<Integer, Integer> streamOfChannel = new HashMap<>();
  /** The runtime's streams that have not ended yet; when none is left, the session is over. */
  private final Set<Integer> openOutputs = new HashSet<>();
  /** What the runtime sent before the WebSocket was there. */
  private final List<Buffer> early = new ArrayList<>();
  private int earlyBytes;
  private SpdySession session;
  private WebSocketConnection ws;
  private long toClient;
  private long toRuntime;
  private boolean done;

  private StreamTranslator(boolean v5) {
    this.channels = new Channels(v5);
  }

  /**
   * Serves {@code req}'s handshake for {@code protocol} (one of {@link #PROTOCOLS}) with
   * {@code upstream}, connected on {@code context} (the request's event loop) to the runtime's
   * exec or attach {@code url}. True when the client's connection became the translated stream;
   * false when the runtime's refusal was written as the response. Call it off the event loop
   * with the request paused.
   */
  public static boolean open(Context context, NetSocket upstream, URI url, HttpServerRequest req, String protocol, Streams streams) {
    StreamTranslator t = new StreamTranslator(V5.equals(protocol));
    try {
      Buffer accept = WebSocketConnection.accept(req, protocol);
      UpgradeProxy.Answer answer = SpdyUpgrade.requestOrRefuse(upstream, url, V4, req);
      if (answer == null) return false;
      Promise<Void> ready = Promise.promise();
      context.runOnContext(v -> t.connect(upstream, answer.rest(), streams).onComplete(ready));
      UpgradeProxy.await(ready.future().recover(e -> Future.failedFuture(
          StatusException.of(500, "InternalError", "error creating the runtime's streams: " + e.getMessage()))), "runtime streams");
      NetSocket client = UpgradeProxy.takeOver(req);
      client.write(accept);
      context.runOnContext(v -> t.attach(new WebSocketConnection(client)));
      return true;
    } catch (RuntimeException e) {
      context.runOnContext(v -> t.abort());
      upstream.close();
      throw e;
    }
  }

  /** Opens the SPDY session and its streams in client-go's order; completes when the runtime has replied to all. */
  private Future<Void> connect(NetSocket upstream, Buffer rest, Streams streams) {
    session = new SpdySession(upstream, new SpdySession.Handler() {
      @Override
      public void data(int streamId, Buffer data) {
        fromRuntime(streamId, data);
      }

      @Override
      public void remoteClosed(int streamId, boolean reset) {
        LOG.trace("exec translation: runtime closed stream={} reset={} open={}", streamId, reset, openOutputs);
        if (openOutputs.remove(streamId) && openOutputs.isEmpty()) finish();
      }

      @Override
      public void goAway(int status) {
        // The runtime is winding down and waits for its streams to close before it closes the
        // connection (spdystream forgets a stream once both halves are closed): close ours.
        for (int id : channelOfStream.keySet()) session.finish(id);
      }

      @Override
      public void closed(Throwable cause) {
        if (cause != null) LOG.debug("exec translation: runtime session failed: error={}", cause.toString());
        finish();
      }
    });
    session.start(rest);
    List<Future<Map<String, String>>> replies = new ArrayList<>();
    replies.add(stream("error", Channels.ERROR, true));
    if (streams.stdin()) replies.add(stream("stdin", Channels.STDIN, false));
    if (streams.stdout()) replies.add(stream("stdout", Channels.STDOUT, true));
    if (streams.stderr()) replies.add(stream("stderr", Channels.STDERR, true));
    if (streams.tty()) replies.add(stream("resize", Channels.RESIZE, false));
    return Future.all(replies).mapEmpty();
  }

  private Future<Map<String, String>> stream(String type, int channelId, boolean output) {
    Map<String, String> headers = new LinkedHashMap<>();
    headers.put("streamType", type);
    Promise<Map<String, String>> replied = Promise.promise();
    int id = session.open(headers, replied);
    channelOfStream.put(id, channelId);
    streamOfChannel.put(channelId, id);
    if (output) openOutputs.add(id);
    return replied.future();
  }

  private void attach(WebSocketConnection connection) {
    ws = connection;
    for (Buffer b : early) ws.send(b);
    early.clear();
    if (earlyBytes > MAX_EARLY_BYTES) session.resume();
    if (done) {
      ws.close(WebSocketFrames.CLOSE_NORMAL, "");
      return;
    }
    ws.start(new WebSocketConnection.Handler() {
      @Override
      public void binary(Buffer data, boolean first) {
        fromClient(data, first);
      }

      @Override
      public void closed() {
        // The client left: the runtime's session ends too (an attach leaves the container running).
        done = true;
        session.close();
      }
    });
  }

  /** The runtime's bytes on one stream, as a message on that stream's channel. */
  private void fromRuntime(int streamId, Buffer data) {
    Integer ch = channelOfStream.get(streamId);
    if (ch == null) return;
    toClient += data.length();
    Buffer message = Channels.message(ch, data);
    if (ws == null) {
      early.add(message);
      // A command that writes fast could fill the heap before the client is there: it waits instead.
      earlyBytes += message.length();
      if (earlyBytes > MAX_EARLY_BYTES) session.pause();
      return;
    }
    ws.send(message);
    if (ws.writeQueueFull()) {
      session.pause();
      ws.drainHandler(session::resume);
    }
  }

  private void fromClient(Buffer piece, boolean first) {
    channels.read(piece, first, toRuntimeSink);
  }

  /** The client's bytes on stdin or resize go to that SPDY stream; a CLOSE half-closes one. */
  private final Channels.Sink toRuntimeSink = new Channels.Sink() {
    @Override
    public void data(int channel, Buffer payload) {
      Integer id = channel == Channels.STDIN || channel == Channels.RESIZE ? streamOfChannel.get(channel) : null;
      if (id == null) {
        LOG.debug("exec translation: data on channel {} dropped", channel);
        return;
      }
      toRuntime += payload.length();
      session.write(id, payload);
      if (session.writeQueueFull()) {
        ws.pause();
        session.drainHandler(ws::resume);
      }
    }

    @Override
    public void close(int channel) {
      Integer id = streamOfChannel.get(channel);
      if (id != null) session.finish(id);
      }
  };

  /** The runtime is done: what it sent is queued before the close, and the session goes. */
  private void finish() {
    LOG.debug("exec translation: finish done={} ws={} open={} toClient={} toRuntime={}", done, ws != null, openOutputs, toClient, toRuntime);
    if (done && ws == null) return;
    done = true;
    if (ws != null) ws.close(WebSocketFrames.CLOSE_NORMAL, "");
    if (session != null) session.close();
  }

  private void abort() {
    done = true;
    if (session != null) session.close();
  }
}
