package io.gubernator.kubelet.streaming;

import io.gubernator.api.errors.StatusException;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.net.NetSocket;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A WebSocket this kubelet answers itself, on a connection taken over from the HTTP server (the
 * server's own WebSocket support would pick subprotocols from its options, which are not the
 * streaming handler's to set). Runs on the socket's event loop: call it from there only.
 */
public final class WebSocketConnection {

  private static final Logger LOG = LoggerFactory.getLogger(WebSocketConnection.class);

  /** What the connection reports, on the event loop. */
  interface Handler {
    /** A piece of a binary message, in order; {@code first} marks a message's first piece. */
    void binary(Buffer data, boolean first);

    /** The client closed the WebSocket or the connection is gone. */
    void closed();
  }

  private final NetSocket socket;
  private final WebSocketFrames decoder = WebSocketFrames.decoder();
  private Handler handler;
  private boolean inMessage;
  private boolean closing;
  private boolean closed;

  WebSocketConnection(NetSocket socket) {
    this.socket = socket;
  }

  /** Whether {@code req} is a WebSocket handshake. */
  public static boolean isHandshake(HttpServerRequest req) {
    return "websocket".equalsIgnoreCase(req.getHeader("Upgrade"));
  }

  /** The first subprotocol the client offers that is in {@code supported}, or null. */
  public static String choose(HttpServerRequest req, List<String> supported) {
    for (String p : offered(req)) if (supported.contains(p)) return p;
    return null;
  }

  static List<String> offered(HttpServerRequest req) {
    List<String> protocols = new ArrayList<>();
    for (String header : req.headers().getAll("Sec-WebSocket-Protocol")) {
      for (String p : header.split(",")) if (!p.isBlank()) protocols.add(p.trim());
    }
    return protocols;
  }

  /** The 101 answer to {@code req}'s handshake with {@code protocol}; a 400 for a handshake RFC 6455 would refuse. */
  static Buffer accept(HttpServerRequest req, String protocol) {
    String key = req.getHeader("Sec-WebSocket-Key");
    if (key == null || key.isBlank()) throw StatusException.badRequest("websocket: missing Sec-WebSocket-Key");
    if (!"13".equals(req.getHeader("Sec-WebSocket-Version"))) {
      throw StatusException.badRequest("websocket: unsupported version " + req.getHeader("Sec-WebSocket-Version"));
    }
    return Buffer.buffer("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        + "Sec-WebSocket-Accept: " + WebSocketFrames.accept(key) + "\r\nSec-WebSocket-Protocol: " + protocol + "\r\n\r\n");
  }

  /** Starts reading (the socket was paused while it was taken over). */
  void start(Handler handler) {
    this.handler = handler;
    socket.handler(this::received);
    socket.exceptionHandler(e -> LOG.debug("websocket connection failed: error={}", e.toString()));
    // The end, not the close: the close is reported before frames still queued behind a pause.
    socket.endHandler(v -> gone());
    socket.resume();
  }

  void send(Buffer payload) {
    if (!closing) socket.write(WebSocketFrames.encode(WebSocketFrames.OP_BINARY, payload));
  }

  /** Sends a close frame and ends the connection once what is queued before it is written. */
  void close(int code, String reason) {
    if (closing) return;
    closing = true;
    socket.write(WebSocketFrames.closeFrame(code, reason));
    socket.end();
  }

  boolean writeQueueFull() {
    return socket.writeQueueFull();
  }

  void drainHandler(Runnable drained) {
    socket.drainHandler(v -> drained.run());
  }

  void pause() {
    socket.pause();
  }

  void resume() {
    socket.resume();
  }

  private void received(Buffer chunk) {
    if (closed) return;
    try {
      for (WebSocketFrames.Frame f : decoder.decode(chunk)) {
        if (closed) return;
        frame(f);
      }
    } catch (WebSocketFrames.WebSocketException e) {
      LOG.debug("websocket protocol error: error={}", e.getMessage());
      close(e.code, e.getMessage());
      gone();
    }
  }

  private void frame(WebSocketFrames.Frame f) {
    switch (f.opcode()) {
      case WebSocketFrames.OP_BINARY, WebSocketFrames.OP_CONTINUATION -> {
        boolean first = f.opcode() == WebSocketFrames.OP_BINARY;
        if (first == inMessage) throw new WebSocketFrames.WebSocketException(WebSocketFrames.CLOSE_PROTOCOL_ERROR, "bad fragment sequence");
        inMessage = !f.fin();
        handler.binary(f.payload(), first);
      }
      case WebSocketFrames.OP_TEXT ->
          throw new WebSocketFrames.WebSocketException(WebSocketFrames.CLOSE_UNSUPPORTED, "text messages are not part of this protocol");
      // client-go's heartbeat: no pong within its deadline and it drops the connection.
      case WebSocketFrames.OP_PING -> { if (!closing) socket.write(WebSocketFrames.encode(WebSocketFrames.OP_PONG, f.payload())); }
      case WebSocketFrames.OP_PONG -> { }
      case WebSocketFrames.OP_CLOSE -> {
        int code = f.payload().length() >= 2 ? f.payload().getUnsignedShort(0) : WebSocketFrames.CLOSE_NORMAL;
        close(code == 1005 || code == 1006 || code == 1015 ? WebSocketFrames.CLOSE_NORMAL : code, "");
        gone();
      }
      default -> throw new WebSocketFrames.WebSocketException(WebSocketFrames.CLOSE_PROTOCOL_ERROR, "unknown opcode " + f.opcode());
    }
  }

  private void gone() {
    if (closed) return;
    closed = true;
    handler.closed();
  }
}
