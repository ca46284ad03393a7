package io.gubernator.kubelet.streaming.spdy;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.net.NetSocket;
import java.util.HashMap;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The client end of a SPDY/3.1 session on a socket that has already switched protocols: it opens
 * streams, writes and half-closes them, answers pings, and hands the peer's data to a
 * {@link Handler}. Everything runs on the socket's event loop; call it from there only.
 *
 * <p>No SPDY flow control, either way: TCP's does the job, as in spdystream, which the runtimes'
 * streaming servers (and kubectl) are built on. spdystream never sends WINDOW_UPDATE, so a sender
 * that honoured its window would stop for good after 64 KiB; and the one in containerd 1.6 drops
 * the connection when it receives one (a 3 MB download ended after some 50 of them).
 */
public final class SpdySession {

  private static final Logger LOG = LoggerFactory.getLogger(SpdySession.class);
  /** Data frames are cut to this size so that one stream does not hold the connection long. */
  private static final int MAX_DATA_FRAME = 32 * 1024;

  /** What the session reports, on the event loop. */
  public interface Handler {
    void data(int streamId, Buffer data);

    /** The peer half-closed {@code streamId} (FIN) or reset it. */
    void remoteClosed(int streamId, boolean reset);

    /** The peer sent GOAWAY: it will open nothing more and is winding down. */
    default void goAway(int status) { }

    /** The connection is gone; {@code cause} is null for an orderly end. */
    void closed(Throwable cause);
  }

  private static final class Stream {
    final Promise<Map<String, String>> reply = Promise.promise();
    boolean localClosed;
    boolean remoteClosed;
  }

  private final NetSocket socket;
  private final Handler handler;
  private final SpdyCodec codec = new SpdyCodec();
  private final Map<Integer, Stream> streams = new HashMap<>();
  private int nextStreamId = 1;
  private boolean closed;

  public SpdySession(NetSocket socket, Handler handler) {
    this.socket = socket;
    this.handler = handler;
  }

  /** Starts reading; {@code early} holds bytes that came with the upgrade answer. */
  public void start(Buffer early) {
    socket.handler(this::received);
    socket.exceptionHandler(e -> shutdown(e));
    // The end, not the close: a close is reported at once, even while bytes received before it
    // still wait behind a pause (the other side full), and reacting to it would drop them.
    socket.endHandler(v -> shutdown(null));
    if (early != null && early.length() > 0) received(early);
    socket.resume();
  }

  /** Opens a stream with {@code headers}; the future completes with the peer's SYN_REPLY headers. */
  public int open(Map<String, String> headers, Promise<Map<String, String>> replied) {
    if (closed) {
      replied.fail("the SPDY session is closed");
      return -1;
    }
    int id = nextStreamId;
    nextStreamId += 2;
    Stream s = new Stream();
    s.reply.future().onComplete(replied);
    streams.put(id, s);
    send(new SpdyFrame.SynStream(id, 0, 0, 0, headers));
    return id;
  }

  public void write(int streamId, Buffer data) {
    Stream s = streams.get(streamId);
    if (s == null || s.localClosed || closed) return;
    for (int from = 0; from < data.length(); from += MAX_DATA_FRAME) {
      send(new SpdyFrame.Data(streamId, 0, data.getBuffer(from, Math.min(data.length(), from + MAX_DATA_FRAME))));
    }
  }

  /** Half-closes {@code streamId}: an empty DATA frame with FIN, the peer reads EOF. */
  public void finish(int streamId) {
    Stream s = streams.get(streamId);
    if (s == null || s.localClosed || closed) return;
    s.localClosed = true;
    send(new SpdyFrame.Data(streamId, SpdyFrame.FLAG_FIN, Buffer.buffer()));
  }

  /** Ends the session: GOAWAY, then the connection closes once what is queued is written. */
  public void close() {
    if (closed) return;
    send(new SpdyFrame.GoAway(0, 0));
    socket.end();
    shutdown(null);
  }

  public boolean writeQueueFull() {
    return socket.writeQueueFull();
  }

  public void drainHandler(Runnable drained) {
    socket.drainHandler(v -> drained.run());
  }

  /** Stops reading from the peer (while the other side cannot take more). */
  public void pause() {
    socket.pause();
  }

  public void resume() {
    socket.resume();
  }

  private void send(SpdyFrame frame) {
    socket.write(codec.encode(frame));
  }

  private void received(Buffer chunk) {
    if (closed) return;
    try {
      for (SpdyFrame frame : codec.decode(chunk)) {
        if (closed) return;
        dispatch(frame);
      }
    } catch (SpdyProtocolException e) {
      LOG.warn("spdy session broken: error={}", e.getMessage());
      send(new SpdyFrame.GoAway(0, SpdyFrame.RST_PROTOCOL_ERROR));
      socket.end();
      shutdown(e);
    }
  }

  private void dispatch(SpdyFrame frame) {
    switch (frame) {
      case SpdyFrame.Data d -> {
        Stream s = streams.get(d.streamId());
        if (s == null || s.remoteClosed) {
          send(new SpdyFrame.RstStream(d.streamId(), SpdyFrame.RST_PROTOCOL_ERROR));
          return;
        }
        if (d.payload().length() > 0) handler.data(d.streamId(), d.payload());
        if (d.fin()) remoteClose(d.streamId(), s, false);
      }
      case SpdyFrame.SynReply r -> {
        Stream s = streams.get(r.streamId());
        if (s == null) return;
        s.reply.tryComplete(r.headers());
        if ((r.flags() & SpdyFrame.FLAG_FIN) != 0) remoteClose(r.streamId(), s, false);
      }
      case SpdyFrame.Headers h -> {
        Stream s = streams.get(h.streamId());
        if (s != null && (h.flags() & SpdyFrame.FLAG_FIN) != 0) remoteClose(h.streamId(), s, false);
      }
      case SpdyFrame.RstStream r -> {
        Stream s = streams.get(r.streamId());
        if (s == null) return;
        s.reply.tryFail("stream " + r.streamId() + " reset by the peer: status " + r.status());
        s.localClosed = true;
        remoteClose(r.streamId(), s, true);
      }
      case SpdyFrame.SynStream s ->
          // Nothing here accepts streams the server opens (push): refuse them.
          send(new SpdyFrame.RstStream(s.streamId(), SpdyFrame.RST_PROTOCOL_ERROR));
      case SpdyFrame.Settings s -> {
        Integer window = s.values().get(SpdyFrame.SETTINGS_INITIAL_WINDOW_SIZE);
        LOG.debug("spdy settings: values={} initialWindow={}", s.values(), window);
      }
      case SpdyFrame.Ping p -> {
        // Odd ids are ours (client-initiated); the peer's even ones are echoed.
        if ((p.id() & 1) == 0) send(p);
      }
      case SpdyFrame.GoAway g -> {
        LOG.debug("spdy goaway: lastStream={} status={}", g.lastGoodStreamId(), g.status());
        handler.goAway(g.status());
      }
      case SpdyFrame.WindowUpdate w -> { } // see the class comment: the send side keeps no window
      case SpdyFrame.Unknown u -> LOG.debug("spdy frame skipped: type={} length={}", u.type(), u.length());
    }
  }

  private void remoteClose(int id, Stream s, boolean reset) {
    if (s.remoteClosed) return;
    s.remoteClosed = true;
    handler.remoteClosed(id, reset);
  }

  private void shutdown(Throwable cause) {
    if (closed) return;
    closed = true;
    for (Stream s : streams.values()) s.reply.tryFail("the SPDY session closed");
    codec.close();
    handler.closed(cause);
  }
}
