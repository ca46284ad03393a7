package io.gubernator.kubelet.server;

import io.fabric8.kubernetes.api.model.Pod;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.gubernator.api.errors.StatusException;
import io.gubernator.api.proxy.UpgradeProxy;
import io.gubernator.kubelet.cri.v1.AttachRequest;
import io.gubernator.kubelet.cri.v1.ContainerState;
import io.gubernator.kubelet.cri.v1.ContainerStatus;
import io.gubernator.kubelet.cri.v1.ExecRequest;
import io.gubernator.kubelet.cri.v1.PodSandboxStatus;
import io.gubernator.kubelet.kuberuntime.KubeRuntimeManager;
import io.gubernator.kubelet.kuberuntime.RuntimePod;
import io.gubernator.kubelet.streaming.PortForwardTunnel;
import io.gubernator.kubelet.streaming.StreamTranslator;
import io.gubernator.kubelet.streaming.WebSocketConnection;
import io.vertx.core.Context;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.net.NetClient;
import io.vertx.core.net.NetClientOptions;
import io.vertx.core.net.NetSocket;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BiFunction;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The kubelet's streaming endpoints, as Kubernetes' kubelet serves them with a CRI runtime:
 * {@code /exec/{ns}/{pod}[/{uid}]/{container}}, {@code /attach/...} and
 * {@code /portForward/{ns}/{pod}[/{uid}]}. The pod and its newest running container are looked
 * up, and the runtime is asked for a one-time URL of its streaming server (containerd's, on
 * loopback). What happens next depends on the client's upgrade:
 * <ul>
 *   <li>a WebSocket for exec or attach with {@code v5.channel.k8s.io} or {@code v4.channel.k8s.io}
 *   (kubectl's first choice) is served here and translated to SPDY/3.1 towards the runtime
 *   ({@link StreamTranslator}): containerd 1.6 refuses v5, and only v5 carries stdin's EOF;
 *   <li>a WebSocket for port-forward with {@code SPDY/3.1+portforward.k8s.io} is served here too,
 *   its messages' bytes relayed to a SPDY/3.1 connection to the runtime
 *   ({@link PortForwardTunnel}): containerd does not know that subprotocol;
 *   <li>anything else (SPDY/3.1, older WebSocket protocols) is passed to the runtime with
 *   {@link UpgradeProxy}, which then speaks with the client directly.
 * </ul>
 */
final class StreamingHandler {

  private static final Logger LOG = LoggerFactory.getLogger(StreamingHandler.class);

  enum Kind { EXEC, ATTACH, PORT_FORWARD }

  /** What a request names: the pod, optionally its UID, and for exec and attach the container. */
  record Target(Kind kind, String namespace, String pod, String uid, String container) {

    /** The target of a path split at its slashes (without the leading one), or null when it is none. */
    static Target parse(String[] parts) {
      Kind kind = switch (parts[0]) {
        case "exec" -> Kind.EXEC;
        case "attach" -> Kind.ATTACH;
        case "portForward" -> Kind.PORT_FORWARD;
        default -> null;
      };
      if (kind == null) return null;
      int base = kind == Kind.PORT_FORWARD ? 3 : 4;
      if (parts.length != base && parts.length != base + 1) return null;
      for (String p : parts) if (p.isEmpty()) return null;
      String uid = parts.length == base + 1 ? parts[3] : null;
      String container = kind == Kind.PORT_FORWARD ? null : parts[parts.length - 1];
      return new Target(kind, parts[1], parts[2], uid, container);
    }
  }

  /** Kubernetes' remotecommand Options: which streams the client wants. */
  record StreamOptions(boolean stdin, boolean stdout, boolean stderr, boolean tty) {

    static StreamOptions of(HttpServerRequest req) {
      boolean tty = flag(req.getParam("tty"));
      // As Kubernetes' NewOptions: a terminal has no separate stderr (the runtime would refuse both).
      StreamOptions o = new StreamOptions(flag(req.getParam("stdin")), flag(req.getParam("stdout")),
          flag(req.getParam("stderr")) && !tty, tty);
      if (!o.stdin && !o.stdout && !o.stderr) throw StatusException.badRequest("you must specify at least 1 of stdin, stdout, stderr");
      return o;
    }

    private static boolean flag(String v) {
      return v != null && (v.equals("1") || v.equalsIgnoreCase("true"));
    }
  }

  private final Vertx vertx;
  private final KubeRuntimeManager runtime;
  private final BiFunction<String, String, Pod> pods;
  private final NetClient plain;
  private final NetClient tls;

  StreamingHandler(Vertx vertx, KubeRuntimeManager runtime, BiFunction<String, String, Pod> pods) {
    this.vertx = vertx;
    this.runtime = runtime;
    this.pods = pods;
    this.plain = vertx.createNetClient(new NetClientOptions().setConnectTimeout(10_000));
    // A runtime with TLS streaming serves it on loopback with a certificate of its own making.
    this.tls = vertx.createNetClient(new NetClientOptions().setConnectTimeout(10_000).setSsl(true).setTrustAll(true)
        .setHostnameVerificationAlgorithm(""));
  }

  /**
   * Serves {@code target}: on the event loop, the request is held (paused, or read to its end
   * for a SPDY POST) and the rest happens on a virtual thread, which blocks on the runtime.
   */
  void handle(HttpServerRequest req, Target target) {
    if (req.method() != HttpMethod.GET && req.method() != HttpMethod.POST) {
      KubeletServer.text(req.response(), 405, "405: Method Not Allowed");
      return;
    }
    // The request's event loop: the runtime's connection is made on it too, so that a translated
    // stream's two sockets share one thread and need no locking.
    Context context = vertx.getOrCreateContext();
    if (req.isEnded()) {
      start(req, target, context);
    } else if (UpgradeProxy.isUpgrade(req) && WebSocketConnection.isHandshake(req)) {
      // A WebSocket handshake has no body; Vert.x hands over only a connection it has not read to the end.
      req.pause();
      start(req, target, context);
    } else {
      req.handler(chunk -> { }); // an upgrade request has no body worth keeping
      req.endHandler(v -> start(req, target, context));
    }
  }

  private void start(HttpServerRequest req, Target target, Context context) {
    Thread.ofVirtual().name("kubelet-stream").start(() -> {
      boolean tunneled = false;
      try {
        tunneled = serve(req, target, context);
      } catch (StatusException e) {
        if (!req.response().headWritten()) KubeletServer.text(req.response(), e.code(), e.getMessage());
      } catch (StatusRuntimeException e) {
        // As Kubernetes' streaming.WriteError: the runtime's NotFound is a 404, anything else a 500.
        int code = e.getStatus().getCode() == Status.Code.NOT_FOUND ? 404 : 500;
        if (!req.response().headWritten()) KubeletServer.text(req.response(), code, e.getMessage());
      } catch (RuntimeException e) {
        LOG.warn("stream failed: {} {} error={}", target.kind(), target.namespace() + "/" + target.pod(), e.toString());
        if (!req.response().headWritten()) KubeletServer.text(req.response(), 500, String.valueOf(e.getMessage()));
      } finally {
        if (!tunneled && !req.isEnded()) vertx.runOnContext(v -> req.resume());
      }
    });
  }

  /** What the runtime was asked for: its streaming URL, and for exec and attach the streams. */
  private record Upstream(String url, StreamOptions streams) {}

  /** True when the client's connection became a tunnel to the runtime's streaming server. */
  private boolean serve(HttpServerRequest req, Target target, Context context) {
    // As Kubernetes' UpgradeAwareHandler with UpgradeRequired: only a stream makes sense here.
    if (!UpgradeProxy.isUpgrade(req)) throw StatusException.badRequest("Upgrade request required");
    Pod pod = pods.apply(target.namespace(), target.pod());
    if (pod == null || target.uid() != null && !target.uid().equals(pod.getMetadata().getUid())) {
      throw StatusException.of(404, "NotFound", "pod does not exist");
    }
    Upstream up = switch (target.kind()) {
      case EXEC -> exec(req, pod, target);
      case ATTACH -> attach(req, pod, target);
      case PORT_FORWARD -> new Upstream(portForward(req, pod), null);
    };
    URI upstream = URI.create(up.url());
    boolean secure = "https".equalsIgnoreCase(upstream.getScheme());
    int port = upstream.getPort() > 0 ? upstream.getPort() : secure ? 443 : 80;
    Promise<NetSocket> connected = Promise.promise();
    context.runOnContext(v -> (secure ? tls : plain).connect(port, upstream.getHost()).onComplete(connected));
    NetSocket socket = UpgradeProxy.await(connected.future(), "error dialing the runtime's streaming server");
    String how = how(req, target);
    LOG.debug("stream: {} pod={}/{} container={} via={} upstream={}", target.kind(), target.namespace(), target.pod(),
        target.container(), how, upstream.getScheme() + "://" + upstream.getRawAuthority() + upstream.getRawPath());
    if (how.equals(PortForwardTunnel.PROTOCOL)) return PortForwardTunnel.open(context, socket, upstream, req);
    if (StreamTranslator.PROTOCOLS.contains(how)) {
      StreamOptions o = up.streams();
      return StreamTranslator.open(context, socket, upstream, req, how,
          new StreamTranslator.Streams(o.stdin(), o.stdout(), o.stderr(), o.tty()));
    }
    String pathAndQuery = upstream.getRawPath() + (upstream.getRawQuery() == null ? "" : "?" + upstream.getRawQuery());
    return UpgradeProxy.open(socket, req, upstream.getRawAuthority(), pathAndQuery);
  }

  /** The WebSocket subprotocol this kubelet serves itself for {@code req}, or "splice" to leave the upgrade to the runtime. */
  static String how(HttpServerRequest req, Target target) {
    if (!WebSocketConnection.isHandshake(req)) return "splice";
    String chosen = WebSocketConnection.choose(req, target.kind() == Kind.PORT_FORWARD
        ? List.of(PortForwardTunnel.PROTOCOL) : StreamTranslator.PROTOCOLS);
    return chosen == null ? "splice" : chosen;
  }

  private Upstream exec(HttpServerRequest req, Pod pod, Target target) {
    StreamOptions o = StreamOptions.of(req);
    List<String> command = req.params().getAll("command");
    if (command.isEmpty()) throw StatusException.badRequest("you must specify at least one command for the container");
    ContainerStatus c = runningContainer(pod, target.container());
    return new Upstream(runtime.runtime().exec(ExecRequest.newBuilder().setContainerId(c.getId()).addAllCmd(command)
        .setStdin(o.stdin()).setStdout(o.stdout()).setStderr(o.stderr()).setTty(o.tty()).build()), o);
  }

  private Upstream attach(HttpServerRequest req, Pod pod, Target target) {
    StreamOptions o = StreamOptions.of(req);
    ContainerStatus c = runningContainer(pod, target.container());
    return new Upstream(runtime.runtime().attach(AttachRequest.newBuilder().setContainerId(c.getId())
        .setStdin(o.stdin()).setStdout(o.stdout()).setStderr(o.stderr()).setTty(o.tty()).build()), o);
  }

  /**
   * The ports come from the query ({@code port=80,8080} or repeated); a SPDY client may name
   * none and ask per stream instead. The runtime forwards within the pod's network namespace.
   */
  private String portForward(HttpServerRequest req, Pod pod) {
    List<Integer> ports = new ArrayList<>();
    for (String value : req.params().getAll("port")) {
      for (String one : value.split(",")) {
        if (one.isBlank()) continue;
        try {
          int p = Integer.parseInt(one.trim());
          if (p < 1 || p > 65535) throw new NumberFormatException();
          ports.add(p);
        } catch (NumberFormatException e) {
          throw StatusException.badRequest("unable to parse \"" + one.trim() + "\" as a port: must be between 1 and 65535");
        }
      }
    }
    RuntimePod rp = runtime.runtimePod(pod.getMetadata().getUid());
    PodSandboxStatus sandbox = rp.readySandbox()
        .orElseThrow(() -> StatusException.of(500, "InternalError", "cannot find sandbox for pod \"" + pod.getMetadata().getName() + "\""));
    return runtime.runtime().portForward(sandbox.getId(), ports);
  }

  /** As Kubernetes' findContainer: the newest running container of that name. */
  private ContainerStatus runningContainer(Pod pod, String name) {
    return runtime.runtimePod(pod.getMetadata().getUid()).containersNamed(name).stream()
        .filter(c -> c.getState() == ContainerState.CONTAINER_RUNNING)
        .findFirst()
        .orElseThrow(() -> StatusException.of(500, "InternalError", "container not found (\"" + name + "\")"));
  }

  void close() {
    plain.close();
    tls.close();
  }
}
