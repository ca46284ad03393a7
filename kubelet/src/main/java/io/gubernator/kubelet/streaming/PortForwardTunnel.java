package io.gubernator.kubelet.streaming;

import io.gubernator.api.proxy.UpgradeProxy;
import io.vertx.core.Context;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.net.NetSocket;
import java.net.URI;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Port-forward for client-go's tunneling dialer (kubectl 1.31+): the client speaks SPDY/3.1
 * itself, carried in WebSocket binary messages, so the kubelet only moves bytes between those
 * messages and a SPDY/3.1 connection to the runtime. As Kubernetes' TunnelingHandler, the runtime
 * is asked first and the WebSocket is accepted only once the runtime has switched protocols;
 * its refusal becomes the client's HTTP error. The runtime's own 101 head stays here: the
 * client's SPDY session starts right after the WebSocket handshake.
 */
public final class PortForwardTunnel {

  private static final Logger LOG = LoggerFactory.getLogger(PortForwardTunnel.class);

  /** The subprotocol client-go asks for: SPDY tunneled in WebSocket, carrying port-forward's protocol. */
  public static final String PROTOCOL = "SPDY/3.1+portforward.k8s.io";
  static final String SPDY_PROTOCOL = "portforward.k8s.io";

  private PortForwardTunnel() {}

  /**
   * Serves {@code req}'s WebSocket handshake with {@code upstream}, connected on {@code context}
   * (the request's event loop) to the runtime's port-forward {@code url}. True when the client's
   * connection became the tunnel; false when the runtime's refusal was written as the response.
   * Call it off the event loop with the request paused.
   */
  public static boolean open(Context context, NetSocket upstream, URI url, io.vertx.core.http.HttpServerRequest req) {
    try {
      Buffer accept = WebSocketConnection.accept(req, PROTOCOL);
      UpgradeProxy.Answer answer = SpdyUpgrade.requestOrRefuse(upstream, url, SPDY_PROTOCOL, req);
      if (answer == null) return false;
      NetSocket client = UpgradeProxy.takeOver(req);
      client.write(accept);
      context.runOnContext(v -> relay(new WebSocketConnection(client), upstream, answer.rest()));
      return true;
    } catch (RuntimeException e) {
      upstream.close();
      throw e;
    }
  }

  /** Both ways until either side ends; a full write queue pauses the side that fills it. */
  private static void relay(WebSocketConnection ws, NetSocket upstream, Buffer early) {
    if (early.length() > 0) ws.send(early);
    ws.start(new WebSocketConnection.Handler() {
      @Override
      public void binary(Buffer data, boolean first) {
        if (data.length() == 0) return;
        upstream.write(data);
        if (upstream.writeQueueFull()) {
          ws.pause();
          upstream.drainHandler(v -> ws.resume());
        }
      }

      @Override
      public void closed() {
        upstream.end();
      }
    });
    upstream.handler(data -> {
      ws.send(data);
      if (ws.writeQueueFull()) {
        upstream.pause();
        ws.drainHandler(upstream::resume);
      }
    });
    upstream.exceptionHandler(e -> LOG.debug("port-forward tunnel: runtime connection failed: error={}", e.toString()));
    // A normal closure is what client-go's tunnel reads as EOF. On the end, not the close: see SpdySession.start.
    upstream.endHandler(v -> ws.close(WebSocketFrames.CLOSE_NORMAL, ""));
    upstream.resume();
  }
}
