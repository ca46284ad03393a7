package io.gubernator.apiserver.http;

import io.gubernator.apiserver.auth.UserInfo;
import io.vertx.core.MultiMap;
import io.vertx.core.http.HttpServerRequest;

/**
 * A request as the handlers see it: parsed path, query, headers, the whole body, and the user.
 * {@code webSocket} is the paused raw request when the client asked for a WebSocket upgrade (as
 * fabric8 does for watches), else null.
 */
public record ApiRequest(String method, RequestInfo info, MultiMap params, MultiMap headers, byte[] body, UserInfo user,
    HttpServerRequest webSocket) {

  public ApiRequest(String method, RequestInfo info, MultiMap params, MultiMap headers, byte[] body, UserInfo user) {
    this(method, info, params, headers, body, user, null);
  }

  public String param(String name) {
    return params.get(name);
  }

  public boolean flag(String name) {
    String v = params.get(name);
    return v != null && (v.equals("true") || v.equals("1"));
  }

  /** Whether {@code req} asks to become a WebSocket (RFC 6455 handshake on HTTP/1.1). */
  static boolean isWebSocketUpgrade(HttpServerRequest req) {
    String upgrade = req.getHeader("Upgrade");
    return req.method() == io.vertx.core.http.HttpMethod.GET && upgrade != null && upgrade.equalsIgnoreCase("websocket")
        && req.version() != io.vertx.core.http.HttpVersion.HTTP_2;
  }
}
