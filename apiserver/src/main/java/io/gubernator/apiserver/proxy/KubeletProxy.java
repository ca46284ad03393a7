package io.gubernator.apiserver.proxy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.gubernator.api.errors.StatusException;
import io.gubernator.api.proxy.UpgradeProxy;
import io.gubernator.apiserver.pki.Pki;
import io.gubernator.apiserver.registry.GenericRegistry;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.net.NetSocket;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * The pod and node subresources that Kubernetes serves by forwarding to the node's kubelet:
 * {@code pods/log} (streamed), {@code pods/exec}, {@code pods/attach}, {@code pods/portforward}
 * (upgraded connections passed through) and {@code nodes/proxy}. The checks and error messages
 * are those of Kubernetes' pod REST storage, so clients see the same answers.
 */
public final class KubeletProxy implements AutoCloseable {

  /** One of the forwarded subresources, parsed from the request path. */
  public record Route(Kind kind, String namespace, String name, String rest) {}

  public enum Kind { LOG, EXEC, ATTACH, PORTFORWARD, NODE_PROXY }

  private static final Map<String, Kind> POD_SUBRESOURCES =
      Map.of("log", Kind.LOG, "exec", Kind.EXEC, "attach", Kind.ATTACH, "portforward", Kind.PORTFORWARD);
  /** Not passed on to a kubelet by the plain node proxy: per-hop framing and this server's credentials. */
  private static final List<String> HOP_HEADERS = List.of("host", "connection", "keep-alive", "proxy-authorization",
      "proxy-authenticate", "proxy-connection", "te", "trailer", "transfer-encoding", "upgrade", "authorization",
      "content-length");

  private final KubeletConnector kubelets;
  private final GenericRegistry pods;
  private final GenericRegistry nodes;

  public KubeletProxy(Vertx vertx, Pki pki, KubeletClientConfig config, GenericRegistry pods, GenericRegistry nodes) {
    this.kubelets = new KubeletConnector(vertx, pki, config);
    this.pods = pods;
    this.nodes = nodes;
  }

  /**
   * The route of a path split into decoded segments, or null when it is no forwarded subresource.
   * {@code rawPath} keeps the client's escaping for what follows {@code nodes/NAME/proxy}.
   */
  public static Route route(List<String> parts, String rawPath) {
    if (parts.size() < 5 || !parts.get(0).equals("api") || !parts.get(1).equals("v1")) return null;
    if (parts.size() == 7 && parts.get(2).equals("namespaces") && parts.get(4).equals("pods")) {
      Kind kind = POD_SUBRESOURCES.get(parts.get(6));
      return kind == null ? null : new Route(kind, parts.get(3), parts.get(5), null);
    }
    if (parts.get(2).equals("nodes") && parts.get(4).equals("proxy")) {
      String[] raw = rawPath.split("/", 7); // "", api, v1, nodes, NAME, proxy, rest
      return new Route(Kind.NODE_PROXY, null, parts.get(3), "/" + (raw.length == 7 ? raw[6] : ""));
    }
    return null;
  }

  /**
   * Serves {@code route}; blocking (on the caller's virtual thread) until the kubelet answered.
   * Returns true when the client's connection was taken over for an upgraded stream.
   */
  public boolean handle(Route route, HttpServerRequest raw, byte[] body) {
    String method = raw.method().name();
    MultiMap params = raw.params();
    return switch (route.kind()) {
      case LOG -> {
        if (!method.equals("GET")) throw methodNotAllowed();
        logs(route, params, raw);
        yield false;
      }
      case EXEC, ATTACH, PORTFORWARD -> {
        if (!method.equals("GET") && !method.equals("POST")) throw methodNotAllowed();
        yield stream(route, params, raw);
      }
      case NODE_PROXY -> nodeProxy(route, raw, body);
    };
  }

  private static StatusException methodNotAllowed() {
    return StatusException.methodNotAllowed("the server does not allow this method on the requested resource");
  }

  // ---------------------------------------------------------------- pods/log

  private void logs(Route route, MultiMap params, HttpServerRequest raw) {
    PodLogOptions options = PodLogOptions.parse(params, route.name());
    ObjectNode pod = pods.get(route.namespace(), route.name());
    String container = logContainer(pod, options.container(), route.name());
    String nodeName = pod.path("spec").path("nodeName").asText("");
    HttpServerResponse res = raw.response();
    if (nodeName.isEmpty()) {
      // As Kubernetes' LogLocation: a pod not on a node yet has no logs, which is an empty stream.
      res.setStatusCode(200).putHeader("Content-Type", "text/plain").end();
      return;
    }
    KubeletConnector.Endpoint kubelet = kubelets.endpoint(nodes.get(null, nodeName));
    String uri = "/containerLogs/" + segment(route.namespace()) + "/" + segment(route.name()) + "/" + segment(container)
        + options.kubeletQuery();
    HttpClientResponse answer = exchange(kubelets.http(options.insecureSkipTLSVerifyBackend()),
        new RequestOptions().setMethod(HttpMethod.GET).setHost(kubelet.host()).setPort(kubelet.port()).setURI(uri),
        Buffer.buffer());
    HttpClientRequest req = answer.request();
    if (answer.statusCode() < 200 || answer.statusCode() > 206) {
      Future<Buffer> body = answer.body();
      answer.resume();
      String text = UpgradeProxy.await(body, "error reading from the kubelet").toString(StandardCharsets.UTF_8);
      throw kubeletError(answer.statusCode(), text, "pods/log", route.name());
    }
    res.setStatusCode(200).putHeader("Content-Type", "text/plain").setChunked(true);
    // A follow ends when either side goes: the client leaving closes the kubelet connection.
    res.closeHandler(v -> req.reset());
    answer.pipe().endOnFailure(false).to(res).onFailure(e -> res.reset());
  }

  /** Kubernetes' validateContainer for logs: any container, init or ephemeral one may be named. */
  private static String logContainer(ObjectNode pod, String requested, String podName) {
    List<String> all = Containers.names(pod, true);
    if (requested == null || requested.isEmpty()) {
      List<String> regular = Containers.names(pod, false);
      if (regular.size() == 1) return regular.getFirst();
      if (regular.isEmpty()) throw StatusException.badRequest("a container name must be specified for pod " + podName);
      throw StatusException.badRequest("a container name must be specified for pod " + podName
          + ", choose one of: [" + String.join(" ", all) + "]");
    }
    if (!all.contains(requested)) throw StatusException.badRequest("container " + requested + " is not valid for pod " + podName);
    return requested;
  }

  /** A kubelet's error answer as Kubernetes' GenericHttpResponseChecker turns it into a Status. */
  static StatusException kubeletError(int code, String body, String resource, String name) {
    return switch (code) {
      case 400 -> StatusException.badRequest(body);
      case 404 -> StatusException.of(404, "NotFound", body.isEmpty() ? "the server could not find the requested resource" : body);
      case 401 -> StatusException.of(401, "Unauthorized", body.isEmpty() ? "the server has asked for the client to provide credentials" : body);
      case 403 -> StatusException.of(403, "Forbidden", body.isEmpty() ? "the server does not allow access to the requested resource" : body);
      case 500 -> StatusException.internal(body);
      case 503 -> StatusException.of(503, "ServiceUnavailable", body.isEmpty() ? "the server is currently unable to handle the request" : body);
      default -> StatusException.of(code >= 400 && code <= 599 ? code : 503, "Unknown", body.isEmpty()
          ? "the server responded with the status code " + code + " but did not return more information (get " + resource + " " + name + ")"
          : body);
    };
  }

  // ---------------------------------------------------------------- exec, attach, portforward

  private boolean stream(Route route, MultiMap params, HttpServerRequest raw) {
    ObjectNode pod = pods.get(route.namespace(), route.name());
    Map<String, List<String>> query = new TreeMap<>();
    String path;
    if (route.kind() == Kind.PORTFORWARD) {
      List<String> ports = new java.util.ArrayList<>();
      for (String p : params.getAll("ports")) for (String one : p.split(",")) ports.add(String.valueOf(port(one.trim())));
      if (!ports.isEmpty()) query.put("port", List.of(String.join(",", ports)));
      path = "/portForward/" + segment(route.namespace()) + "/" + segment(route.name());
    } else {
      String container = Containers.forStream(pod, params.get("container"), route.name());
      for (String flag : List.of("stdin", "stdout", "stderr", "tty")) {
        if (PodLogOptions.flag(params, flag)) query.put(flag, List.of("1"));
      }
      if (route.kind() == Kind.EXEC && !params.getAll("command").isEmpty()) query.put("command", params.getAll("command"));
      path = "/" + (route.kind() == Kind.EXEC ? "exec" : "attach") + "/" + segment(route.namespace()) + "/"
          + segment(route.name()) + "/" + segment(container);
    }
    String nodeName = pod.path("spec").path("nodeName").asText("");
    if (nodeName.isEmpty()) throw StatusException.badRequest("pod " + route.name() + " does not have a host assigned");
    KubeletConnector.Endpoint kubelet = kubelets.endpoint(nodes.get(null, nodeName));
    // As Kubernetes (UpgradeRequired): these only make sense as a stream, which needs an upgrade.
    if (!UpgradeProxy.isUpgrade(raw)) throw StatusException.badRequest("Upgrade request required");
    return tunnel(kubelet, raw, path + encode(query));
  }

  private static int port(String value) {
    try {
      int p = Integer.parseInt(value);
      if (p > 0 && p <= 65535) return p;
    } catch (NumberFormatException e) {
      // reported below
    }
    throw StatusException.badRequest("invalid port \"" + value + "\": must be between 1 and 65535");
  }

  // ---------------------------------------------------------------- nodes/proxy

  private boolean nodeProxy(Route route, HttpServerRequest raw, byte[] body) {
    String name = route.name();
    String port = null;
    int colon = name.lastIndexOf(':');
    if (colon > 0) {
      port = name.substring(colon + 1);
      name = name.substring(0, colon);
    }
    io.gubernator.apiserver.http.ResourceHandler.checkPathSegmentName(name);
    KubeletConnector.Endpoint kubelet = kubelets.endpoint(nodes.get(null, name));
    if (port != null && !port.equals(String.valueOf(kubelet.port()))) {
      throw StatusException.badRequest("only the kubelet port " + kubelet.port() + " of node " + name + " can be proxied");
    }
    String uri = route.rest() + (raw.query() == null || raw.query().isEmpty() ? "" : "?" + raw.query());
    if (UpgradeProxy.isUpgrade(raw)) return tunnel(kubelet, raw, uri);
    RequestOptions options = new RequestOptions().setMethod(raw.method()).setHost(kubelet.host())
        .setPort(kubelet.port()).setURI(uri);
    raw.headers().forEach((h, v) -> {
      String lower = h.toLowerCase(Locale.ROOT);
      if (!HOP_HEADERS.contains(lower) && !lower.startsWith("impersonate-") && !lower.startsWith(":")) options.addHeader(h, v);
    });
    HttpClientResponse answer = exchange(kubelets.http(false), options, Buffer.buffer(body));
    HttpClientRequest req = answer.request();
    HttpServerResponse res = raw.response();
    res.setStatusCode(answer.statusCode());
    answer.headers().forEach((h, v) -> {
      if (!HOP_HEADERS.contains(h.toLowerCase(Locale.ROOT))) res.headers().add(h, v);
    });
    res.setChunked(true);
    res.closeHandler(v -> req.reset());
    answer.pipe().endOnFailure(false).to(res).onFailure(e -> res.reset());
    return false;
  }

  // ---------------------------------------------------------------- helpers

  /**
   * Passes the upgrade request {@code raw} to the kubelet over TLS; true when the client's
   * connection became a tunnel, false when the kubelet's refusal was written as the response.
   */
  private boolean tunnel(KubeletConnector.Endpoint kubelet, HttpServerRequest raw, String pathAndQuery) {
    NetSocket upstream = UpgradeProxy.await(kubelets.net().connect(kubelet.port(), kubelet.host()), "error dialing backend");
    return UpgradeProxy.open(upstream, raw, kubelet.hostPort(), pathAndQuery);
  }

  /**
   * Sends a request and waits for the answer's head. The answer comes back paused: it is read on
   * the event loop while this thread waits, and its body must not flow before a handler is set.
   */
  private static HttpClientResponse exchange(HttpClient client, RequestOptions options, Buffer body) {
    return UpgradeProxy.await(client.request(options).compose(req -> req.send(body).map(answer -> {
      answer.pause();
      return answer;
    })), "error dialing backend");
  }

  private static String segment(String s) {
    return URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20");
  }

  /** A query in Go's url.Values.Encode form: keys sorted, values in order. */
  static String encode(Map<String, List<String>> query) {
    StringBuilder b = new StringBuilder();
    query.forEach((k, values) -> {
      for (String v : values) {
        b.append(b.isEmpty() ? '?' : '&').append(URLEncoder.encode(k, StandardCharsets.UTF_8)).append('=')
            .append(URLEncoder.encode(v, StandardCharsets.UTF_8));
      }
    });
    return b.toString();
  }

  @Override
  public void close() {
    kubelets.close();
  }

  /** The containers of a pod spec, and the choice of one for exec and attach. */
  static final class Containers {

    static final String DEFAULT_CONTAINER_ANNOTATION = "kubectl.kubernetes.io/default-container";

    private Containers() {}

    /** Names of the regular containers; with {@code all}, init containers first and ephemeral ones last, as Kubernetes visits them. */
    static List<String> names(JsonNode pod, boolean all) {
      List<String> names = new java.util.ArrayList<>();
      List<String> lists = all ? List.of("initContainers", "containers", "ephemeralContainers") : List.of("containers");
      for (String list : lists) for (JsonNode c : pod.path("spec").path(list)) names.add(c.path("name").asText());
      return names;
    }

    /**
     * Kubernetes' streamLocation: the named container, else the only one. With several, the one
     * named by {@code kubectl.kubernetes.io/default-container} (what kubectl itself would pick)
     * before the error that lists them.
     */
    static String forStream(JsonNode pod, String requested, String podName) {
      if (requested != null && !requested.isEmpty()) {
        if (!names(pod, true).contains(requested)) {
          throw StatusException.badRequest("container " + requested + " is not valid for pod " + podName);
        }
        return requested;
      }
      List<String> regular = names(pod, false);
      if (regular.size() == 1) return regular.getFirst();
      if (regular.isEmpty()) throw StatusException.badRequest("a container name must be specified for pod " + podName);
      String annotated = pod.path("metadata").path("annotations").path(DEFAULT_CONTAINER_ANNOTATION).asText("");
      if (regular.contains(annotated)) return annotated;
      List<String> init = new java.util.ArrayList<>();
      for (JsonNode c : pod.path("spec").path("initContainers")) init.add(c.path("name").asText());
      return throwChoose(podName, regular, init);
    }

    private static String throwChoose(String podName, List<String> regular, List<String> init) {
      String message = "a container name must be specified for pod " + podName + ", choose one of: ["
          + String.join(" ", regular) + "]";
      if (!init.isEmpty()) message += " or one of the init containers: [" + String.join(" ", init) + "]";
      throw StatusException.badRequest(message);
    }
  }
}
