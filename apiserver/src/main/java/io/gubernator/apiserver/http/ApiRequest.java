package io.gubernator.apiserver.http;

import io.gubernator.apiserver.auth.UserInfo;
import io.vertx.core.MultiMap;

/** A request as the handlers see it: parsed path, query, headers, the whole body, and the user. */
public record ApiRequest(String method, RequestInfo info, MultiMap params, MultiMap headers, byte[] body, UserInfo user) {

  public String param(String name) {
    return params.get(name);
  }

  public boolean flag(String name) {
    String v = params.get(name);
    return v != null && (v.equals("true") || v.equals("1"));
  }
}
