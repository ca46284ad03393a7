package io.gubernator.kubelet.streaming;

import io.gubernator.api.proxy.UpgradeProxy;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.net.NetSocket;
import java.net.URI;

/** The SPDY/3.1 upgrade request towards the runtime's streaming server, as client-go's SPDY dialer makes it. */
final class SpdyUpgrade {

  private SpdyUpgrade() {}

  /**
   * Asks {@code upstream} (connected to {@code url}'s host) to switch to SPDY/3.1 with
   * {@code protocol} as the stream protocol; blocks for the answer. Call it off the event loop.
   */
  static UpgradeProxy.Answer request(NetSocket upstream, URI url, String protocol) {
    String pathAndQuery = url.getRawPath() + (url.getRawQuery() == null ? "" : "?" + url.getRawQuery());
    String head = "POST " + pathAndQuery + " HTTP/1.1\r\nHost: " + url.getRawAuthority()
        + "\r\nConnection: Upgrade\r\nUpgrade: SPDY/3.1\r\nX-Stream-Protocol-Version: " + protocol
        + "\r\nContent-Length: 0\r\nUser-Agent: gubernator-kubelet\r\n\r\n";
    return UpgradeProxy.exchange(upstream, head);
  }

  /**
   * {@link #request}, with a refusal passed on: null when the runtime did not switch protocols,
   * its answer then written as {@code req}'s response and {@code upstream} closed.
   */
  static UpgradeProxy.Answer requestOrRefuse(NetSocket upstream, URI url, String protocol, HttpServerRequest req) {
    UpgradeProxy.Answer answer = request(upstream, url, protocol);
    if (answer.status() == 101) return answer;
    upstream.close();
    UpgradeProxy.refuse(answer, req);
    return null;
  }
}
