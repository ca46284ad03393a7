package io.gubernator.apiserver.http;

import io.gubernator.api.errors.StatusException;
import io.gubernator.apiserver.auth.Authenticator;
import io.gubernator.apiserver.auth.Impersonation;
import io.gubernator.apiserver.auth.UserInfo;
import io.gubernator.apiserver.proxy.KubeletProxy;
import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import java.security.cert.Certificate;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Entry point of every HTTP request: reads the body with a size limit on the event loop, then
 * authenticates and dispatches on a virtual thread (handlers block on the store).
 */
public final class MainHandler {

  private static final Logger LOG = LoggerFactory.getLogger(MainHandler.class);
  /** Kubernetes' limit on a request body. */
  public static final int MAX_BODY_BYTES = 3 * 1024 * 1024;
  private static final List<String> PUBLIC_PATHS = List.of("/healthz", "/livez", "/readyz", "/version");
  /**
   * What Kubernetes' RBAC lets anyone read: a joining node fetches the cluster CA from it before it
   * trusts the server (and checks it against the hash in its join token).
   */
  private static final String CLUSTER_INFO = "/api/v1/namespaces/kube-public/configmaps/cluster-info";

  private final Authenticator authenticator;
  private final RequestMetrics metrics;
  private final ResourceHandler resources;
  private final NonResourceHandler nonResources;
  private final BooleanSupplier ready;
  private final KubeletProxy kubeletProxy;
  private final ExecutorService executor = Executors.newVirtualThreadPerTaskExecutor();

  public MainHandler(Authenticator authenticator, ResourceHandler resources,
      NonResourceHandler nonResources, BooleanSupplier ready, RequestMetrics metrics, KubeletProxy kubeletProxy) {
    this.metrics = metrics;
    this.kubeletProxy = kubeletProxy;
    this.authenticator = authenticator;
    this.resources = resources;
    this.nonResources = nonResources;
    this.ready = ready;
  }

  public void handle(HttpServerRequest req) {
    HttpServerResponse res = req.response();
    if (ApiRequest.isWebSocketUpgrade(req)) {
      // The handshake has no body. The request stays paused so that a watch can still turn it into
      // a WebSocket (Vert.x upgrades only a request it has not finished reading); any other answer
      // is an ordinary HTTP response, after which the request is resumed. A connection handed to a
      // kubelet (exec, attach, port-forward) is no HTTP connection any more and stays as it is.
      req.pause();
      RequestLine line = RequestLine.of(req);
      executor.execute(() -> {
        boolean tunneled = false;
        try {
          tunneled = dispatch(req, line, new byte[0], true);
        } finally {
          if (!tunneled && !req.isEnded()) req.resume();
        }
      });
      return;
    }
    String declared = req.getHeader("Content-Length");
    if (declared != null) {
      try {
        if (Long.parseLong(declared.trim()) > MAX_BODY_BYTES) {
          tooLarge(req);
          return;
        }
      } catch (NumberFormatException e) {
        Responses.writeStatus(res, StatusException.badRequest("invalid Content-Length"));
        return;
      }
    }
    Buffer body = Buffer.buffer();
    boolean[] rejected = {false};
    req.handler(chunk -> {
      if (rejected[0]) return;
      if (body.length() + chunk.length() > MAX_BODY_BYTES) {
        rejected[0] = true;
        tooLarge(req);
        return;
      }
      body.appendBuffer(chunk);
    });
    req.exceptionHandler(e -> LOG.debug("request failed: path={} error={}", req.path(), e.toString()));
    req.endHandler(v -> {
      if (rejected[0]) return;
      RequestLine line = RequestLine.of(req);
      executor.execute(() -> dispatch(req, line, body.getBytes(), false));
    });
  }

  private static void tooLarge(HttpServerRequest req) {
    // The connection is closed after this answer (the rest of the body is not read): say so, so
    // that an HTTP/1.1 client does not send its next request on it.
    if (req.version() != io.vertx.core.http.HttpVersion.HTTP_2) req.response().putHeader("Connection", "close");
    Responses.writeStatus(req.response(), StatusException.tooLarge("Request entity too large: limit is " + MAX_BODY_BYTES));
    req.connection().close();
  }

  /**
   * The request's path and query, read on the event loop: Vert.x guards an HTTP/2 request's
   * accessors with its connection's lock, which a handler thread would contend for with the event
   * loop reading that connection's other streams.
   */
  private record RequestLine(String path, MultiMap params, IllegalArgumentException badQuery) {
    static RequestLine of(HttpServerRequest req) {
      String path = req.path();
      try {
        return new RequestLine(path, req.params(), null);
      } catch (IllegalArgumentException e) {
        return new RequestLine(path, MultiMap.caseInsensitiveMultiMap(), e);
      }
    }
  }

  /** Serves one request; true when its connection became a tunnel to a kubelet. */
  private boolean dispatch(HttpServerRequest raw, RequestLine line, byte[] body, boolean webSocket) {
    HttpServerResponse res = raw.response();
    long start = System.nanoTime();
    RequestInfo parsed = null;
    try {
      String path = line.path();
      if (path == null || !path.startsWith("/")) throw StatusException.badRequest("invalid path");
      if (path.contains("/../") || path.endsWith("/..") || path.contains("/./") || path.contains("//")) {
        throw StatusException.noRoute();
      }
      RequestInfo info = RequestInfo.parse(path);
      parsed = info;
      UserInfo user = authenticator.authenticate(peerCertificates(raw), raw.getHeader("Authorization"));
      boolean isPublic = PUBLIC_PATHS.stream().anyMatch(p -> info.path().equals(p) || info.path().startsWith(p + "/"))
          || (info.path().equals(CLUSTER_INFO) && raw.method() == io.vertx.core.http.HttpMethod.GET);
      if (user == null || (!user.authenticated() && !isPublic)) throw StatusException.unauthorized();
      if (line.badQuery() != null) throw line.badQuery();
      user = Impersonation.apply(user, raw.headers().entries());
      ApiRequest req = new ApiRequest(raw.method().name(), info, line.params(), raw.headers(), body, user,
          webSocket ? raw : null);
      if (info.resourceRequest()) {
        if (!ready.getAsBoolean()) throw StatusException.serviceUnavailable("the server is starting up");
        KubeletProxy.Route route = KubeletProxy.route(info.parts(), path);
        if (route != null) {
          if (route.kind() != KubeletProxy.Kind.NODE_PROXY) ResourceHandler.checkPathSegmentName(route.name());
          return kubeletProxy.handle(route, raw, body);
        }
        resources.handle(req, res);
      } else {
        nonResources.handle(req, res, raw);
      }
    } catch (StatusException e) {
      Responses.writeStatus(res, e, raw.getHeader("Accept"));
    } catch (IllegalArgumentException e) {
      // Parsers of client input signal bad input with IllegalArgumentException subtypes.
      Responses.writeStatus(res, StatusException.badRequest(e.getMessage()), raw.getHeader("Accept"));
    } catch (RuntimeException | StackOverflowError e) {
      LOG.error("internal error: method={} path={}", raw.method(), line.path(), e);
      Responses.writeStatus(res, StatusException.internal(String.valueOf(e.getMessage())), raw.getHeader("Accept"));
    } finally {
      String watchParam = line.params().get("watch");
      boolean watch = parsed != null && (parsed.legacyWatch() || "true".equals(watchParam) || "1".equals(watchParam));
      metrics.record(raw.method().name(), parsed, watch, res.getStatusCode(), System.nanoTime() - start);
    }
    return false;
  }

  private static Certificate[] peerCertificates(HttpServerRequest req) {
    try {
      if (req.connection().sslSession() == null) return null;
      return req.connection().sslSession().getPeerCertificates();
    } catch (Exception e) {
      return null;
    }
  }

  public void close() {
    executor.shutdownNow();
  }
}
