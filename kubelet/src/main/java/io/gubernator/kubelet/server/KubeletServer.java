package io.gubernator.kubelet.server;

import io.fabric8.kubernetes.api.model.Pod;
import io.gubernator.kubelet.KubeletConfig;
import io.gubernator.kubelet.cri.v1.ContainerState;
import io.gubernator.kubelet.cri.v1.ContainerStatus;
import io.gubernator.kubelet.kuberuntime.KubeRuntimeManager;
import io.gubernator.kubelet.kuberuntime.RuntimePod;
import io.gubernator.kubelet.logs.ContainerLogs;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.ClientAuth;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.net.PemKeyCertOptions;
import io.vertx.core.net.PemTrustOptions;
import java.nio.file.Path;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.BiFunction;
import java.util.function.Supplier;
import javax.net.ssl.SSLPeerUnverifiedException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The kubelet's HTTPS endpoint, which the API server calls for {@code pods/log} and the streaming
 * subresources ({@code pods/exec}, {@code pods/attach}, {@code pods/portforward}: see
 * {@link StreamingHandler}). Only clients with a certificate signed by the cluster CA get in: the
 * API server presents its kubelet-client certificate.
 */
public final class KubeletServer implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(KubeletServer.class);

  private final Vertx vertx;
  private final HttpServer server;
  private final KubeRuntimeManager runtime;
  private final BiFunction<String, String, Pod> pods;
  private final Supplier<List<Pod>> allPods;
  private final StreamingHandler streaming;
  private final io.gubernator.kubelet.stats.SummaryProvider summary;

  /**
   * @param pods    finds a pod bound to this node by namespace and name (null when absent)
   * @param allPods the pods bound to this node, for {@code /pods}
   * @param summary the node's and pods' resource usage, for {@code /stats/summary}
   */
  public KubeletServer(KubeletConfig config, KubeRuntimeManager runtime, BiFunction<String, String, Pod> pods, Supplier<List<Pod>> allPods,
      io.gubernator.kubelet.stats.SummaryProvider summary) throws Exception {
    this.summary = summary;
    this.runtime = runtime;
    this.pods = pods;
    this.allPods = allPods;
    this.vertx = Vertx.vertx();
    this.streaming = new StreamingHandler(vertx, runtime, pods);
    HttpServerOptions options = new HttpServerOptions().setPort(config.port()).setHost("0.0.0.0").setSsl(true)
        .setKeyCertOptions(new PemKeyCertOptions().setCertValue(Buffer.buffer(config.tls().certificatePem()))
            .setKeyValue(Buffer.buffer(config.tls().keyPem())))
        .setTrustOptions(new PemTrustOptions().addCertValue(Buffer.buffer(config.tls().clientCaPem())))
        .setClientAuth(ClientAuth.REQUIRED)
        .setIdleTimeout(0);
    server = vertx.createHttpServer(options).requestHandler(this::handle);
    server.listen().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    LOG.info("kubelet server listening: port={}", server.actualPort());
  }

  public int port() {
    return server.actualPort();
  }

  private void handle(HttpServerRequest req) {
    try {
      req.sslSession().getPeerCertificates();
    } catch (SSLPeerUnverifiedException | RuntimeException e) {
      text(req.response(), 401, "Unauthorized");
      return;
    }
    String path = req.path();
    String[] parts = path.substring(1).split("/");
    StreamingHandler.Target stream = StreamingHandler.Target.parse(parts);
    if (stream != null) {
      streaming.handle(req, stream);
    } else if (path.equals("/healthz")) {
      text(req.response(), 200, "ok");
    } else if (parts.length == 4 && parts[0].equals("containerLogs")) {
      containerLogs(req, parts[1], parts[2], parts[3]);
    } else if (path.equals("/stats/summary") || path.equals("/stats/summary/")) {
      HttpServerResponse resp = req.response();
      // CRI stats calls block: off the event loop.
      Thread.ofVirtual().start(() -> {
        try {
          String body = summary.summary().toString();
          vertx.runOnContext(v -> resp.putHeader("Content-Type", "application/json").end(body));
        } catch (RuntimeException e) {
          vertx.runOnContext(v -> text(resp, 500, "stats unavailable: " + e.getMessage()));
        }
      });
    } else if (path.equals("/pods") || path.equals("/pods/")) {
      io.fabric8.kubernetes.api.model.PodList list = new io.fabric8.kubernetes.api.model.PodList();
      list.setApiVersion("v1");
      list.setKind("PodList");
      list.setItems(allPods.get());
      req.response().putHeader("Content-Type", "application/json")
          .end(io.fabric8.kubernetes.client.utils.Serialization.asJson(list));
    } else {
      text(req.response(), 404, "404 page not found");
    }
  }

  private void containerLogs(HttpServerRequest req, String ns, String podName, String container) {
    Pod pod = pods.apply(ns, podName);
    if (pod == null) {
      text(req.response(), 404, "pod " + ns + "/" + podName + " not found");
      return;
    }
    ContainerLogs.Options options;
    boolean previous = bool(req.getParam("previous"));
    try {
      String since = req.getParam("sinceTime");
      String sinceSeconds = req.getParam("sinceSeconds");
      Instant sinceAt = since != null ? Instant.parse(since)
          : sinceSeconds != null ? Instant.now().minusSeconds(Long.parseLong(sinceSeconds)) : null;
      options = new ContainerLogs.Options(bool(req.getParam("follow")), longParam(req.getParam("tailLines")), sinceAt,
          bool(req.getParam("timestamps")), longParam(req.getParam("limitBytes")));
    } catch (NumberFormatException | DateTimeParseException e) {
      text(req.response(), 400, "invalid log options: " + e.getMessage());
      return;
    }
    HttpServerResponse resp = req.response();
    Thread.ofVirtual().start(() -> {
      try {
        RuntimePod rp = runtime.runtimePod(pod.getMetadata().getUid());
        List<ContainerStatus> attempts = rp.containersNamed(container);
        Optional<ContainerStatus> target = previous ? attempts.stream().skip(1).findFirst() : attempts.stream().findFirst();
        if (target.isEmpty()) {
          String message = previous
              ? "previous terminated container \"" + container + "\" in pod \"" + podName + "\" not found"
              : "container \"" + container + "\" in pod \"" + podName + "\" is waiting to start: ContainerCreating";
          vertx.runOnContext(v -> text(resp, 400, message));
          return;
        }
        String id = target.get().getId();
        Path file = Path.of(target.get().getLogPath());
        resp.setChunked(true).putHeader("Content-Type", "text/plain");
        boolean[] closed = {false};
        resp.closeHandler(v -> closed[0] = true);
        ContainerLogs.read(file, previous ? new ContainerLogs.Options(false, options.tailLines(), options.since(), options.timestamps(),
            options.limitBytes()) : options, () -> !closed[0] && running(id), bytes -> {
              if (closed[0]) return false;
              while (resp.writeQueueFull() && !closed[0]) Thread.sleep(5);
              resp.write(Buffer.buffer(bytes));
              return true;
            });
        if (!closed[0]) resp.end();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        resp.reset();
      } catch (Exception e) {
        LOG.warn("log stream failed: pod={}/{} container={} error={}", ns, podName, container, e.toString());
        if (!resp.headWritten()) vertx.runOnContext(v -> text(resp, 500, e.getMessage()));
        else resp.reset();
      }
    });
  }

  private boolean running(String containerId) {
    try {
      return runtime.runtime().containerStatus(containerId).getState() == ContainerState.CONTAINER_RUNNING;
    } catch (RuntimeException e) {
      return false;
    }
  }

  private static boolean bool(String v) {
    return v != null && (v.equals("true") || v.equals("1"));
  }

  private static long longParam(String v) {
    return v == null || v.isEmpty() ? -1 : Long.parseLong(v);
  }

  static void text(HttpServerResponse resp, int code, String body) {
    resp.setStatusCode(code).putHeader("Content-Type", "text/plain; charset=utf-8").end(body);
  }

  @Override
  public void close() {
    streaming.close();
    try {
      server.close().toCompletionStage().toCompletableFuture().get(5, TimeUnit.SECONDS);
    } catch (Exception e) {
      LOG.debug("kubelet server close: error={}", e.toString());
    }
    vertx.close();
  }
}
