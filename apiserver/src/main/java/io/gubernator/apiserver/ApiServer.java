package io.gubernator.apiserver;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.gubernator.api.errors.StatusException;
import io.gubernator.api.resource.ResourceRegistry;
import io.gubernator.api.resource.ResourceType;
import io.gubernator.api.serialization.Json;
import io.gubernator.apiserver.auth.Authenticator;
import io.gubernator.apiserver.auth.Reviews;
import io.gubernator.apiserver.discovery.Discovery;
import io.gubernator.apiserver.http.MainHandler;
import io.gubernator.apiserver.http.NonResourceHandler;
import io.gubernator.apiserver.http.RequestMetrics;
import io.gubernator.apiserver.http.ResourceHandler;
import io.gubernator.apiserver.http.WatchStreamer;
import io.gubernator.apiserver.openapi.OpenApi;
import io.gubernator.apiserver.pki.Pki;
import io.gubernator.apiserver.proxy.KubeletProxy;
import io.gubernator.apiserver.registry.GenericRegistry;
import io.gubernator.apiserver.registry.NamespaceLifecycle;
import io.gubernator.apiserver.registry.Options;
import io.gubernator.apiserver.registry.VersionConversion;
import io.gubernator.apiserver.registry.conversion.EventsV1;
import io.gubernator.apiserver.registry.conversion.HorizontalPodAutoscalerV1;
import io.gubernator.apiserver.registry.strategies.PriorityAdmission;
import io.gubernator.apiserver.registry.strategies.Strategies;
import io.gubernator.apiserver.watchcache.WatchCacheSet;
import io.gubernator.store.Store;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.ClientAuth;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.net.JdkSSLEngineOptions;
import io.vertx.core.net.PemKeyCertOptions;
import io.vertx.core.net.PemTrustOptions;
import java.net.InetAddress;
import java.net.NetworkInterface;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The API server: TLS listener, authentication, the registries over the store, and the watch cache. */
public final class ApiServer implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(ApiServer.class);
  private static final int WATCH_HISTORY = 10_000;

  private final ApiServerConfig config;
  private final Store store;
  private final Pki pki;
  private final ResourceRegistry resources = ResourceRegistry.builtin();
  // Identity: ResourceType is a record whose hashCode walks all its lists on every request.
  private final Map<ResourceType, GenericRegistry> registries = new java.util.IdentityHashMap<>();
  private final WatchCacheSet caches;
  private final PrometheusMeterRegistry metrics = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
  private Vertx vertx;
  private HttpServer server;
  private MainHandler handler;
  private KubeletProxy kubeletProxy;
  private volatile boolean ready;
  private int actualPort;

  public ApiServer(ApiServerConfig config, Store store, Pki pki) {
    this.config = config;
    this.store = store;
    this.pki = pki;
    this.caches = new WatchCacheSet(store, WATCH_HISTORY);
    Strategies strategies = Strategies.builtin(store,
        config.serviceCidr() == null ? ApiServerConfig.DEFAULT_SERVICE_CIDR : config.serviceCidr(),
        new PriorityAdmission(name -> priorityClasses().findCachedFirst(null, name),
            () -> priorityClasses().cachedItems()));
    for (ResourceType t : resources.all()) {
      if (!t.stored()) continue; // the reviews: answered by the ResourceHandler, nothing to register
      registries.put(t, new GenericRegistry(t, strategies.forKey(t.storageKey()), store, caches,
          new NamespaceLifecycle(name -> namespaces().findCachedFirst(null, name)), conversionOf(t)));
    }
  }

  /** Versions served over another version's objects. */
  private static VersionConversion conversionOf(ResourceType t) {
    if (t.group().equals("autoscaling") && t.version().equals("v1")) return new HorizontalPodAutoscalerV1();
    if (t.group().equals("events.k8s.io")) return new EventsV1();
    return VersionConversion.IDENTITY;
  }

  private GenericRegistry priorityClasses() {
    return registry("scheduling.k8s.io", "v1", "priorityclasses");
  }

  private GenericRegistry namespaces() {
    return registry("", "v1", "namespaces");
  }

  private GenericRegistry registry(String group, String version, String plural) {
    return registries.get(resources.byPlural(group, version, plural).orElseThrow());
  }

  public void start() throws Exception {
    caches.start();
    bootstrap();
    Discovery discovery = new Discovery(resources);
    String address = (config.advertiseAddress() == null ? "127.0.0.1" : config.advertiseAddress()) + ":" + config.port();
    NonResourceHandler nonResources = new NonResourceHandler(discovery, new OpenApi(resources), metrics,
        Map.of("ping", () -> true, "etcd", this::storeHealthy, "informer-sync", () -> ready), address);
    vertx = Vertx.vertx();
    kubeletProxy = new KubeletProxy(vertx, pki, config.kubelet(), registry("", "v1", "pods"), registry("", "v1", "nodes"));
    Authenticator authenticator = Authenticator.fromTokenFile(config.tokenFile());
    handler = new MainHandler(authenticator,
        new ResourceHandler(resources, registries, new WatchStreamer(), new Reviews(authenticator)), nonResources, () -> ready,
        new RequestMetrics(metrics), kubeletProxy);
    HttpServerOptions options = new HttpServerOptions()
        .setHost(config.bindAddress())
        .setPort(config.port())
        .setSsl(true)
        // Pooled buffers for the JDK TLS engine's records: otherwise Vert.x gives each record a
        // fresh unpooled array of 16 KiB or more, a fifth of all allocation under load.
        .setSslEngineOptions(new JdkSSLEngineOptions().setPooledHeapBuffers(true))
        .setUseAlpn(true)
        .setAlpnVersions(List.of(HttpVersion.HTTP_2, HttpVersion.HTTP_1_1))
        .setKeyCertOptions(new PemKeyCertOptions()
            .setCertValue(Buffer.buffer(pki.serving().certificatePem()))
            .setKeyValue(Buffer.buffer(pki.serving().keyPem())))
        .setTrustOptions(new PemTrustOptions().addCertValue(Buffer.buffer(pki.ca().certificatePem())))
        .setClientAuth(ClientAuth.REQUEST)
        .setMaxHeaderSize(64 * 1024)
        .setMaxInitialLineLength(64 * 1024)
        .setCompressionSupported(false)
        .setIdleTimeout(0);
    server = vertx.createHttpServer(options).requestHandler(handler::handle);
    server.listen().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    actualPort = server.actualPort();
    reconcileKubernetesEndpoints();
    ready = true;
    LOG.info("API server listening: address={} port={}", config.bindAddress(), actualPort);
  }

  private boolean storeHealthy() {
    try {
      store.currentRevision();
      return true;
    } catch (RuntimeException e) {
      return false;
    }
  }

  /** The namespaces and the {@code kubernetes} Service that every cluster has from its first start. */
  private void bootstrap() {
    for (String ns : List.of("default", "kube-system", "kube-public", "kube-node-lease")) {
      ObjectNode body = Json.MAPPER.createObjectNode().put("apiVersion", "v1").put("kind", "Namespace");
      body.putObject("metadata").put("name", ns);
      createIfAbsent(namespaces(), null, body);
    }
    ObjectNode svc = Json.MAPPER.createObjectNode().put("apiVersion", "v1").put("kind", "Service");
    ObjectNode meta = svc.putObject("metadata").put("name", "kubernetes").put("namespace", "default");
    meta.putObject("labels").put("component", "apiserver").put("provider", "kubernetes");
    ObjectNode spec = svc.putObject("spec").put("type", "ClusterIP").put("clusterIP", firstServiceIp())
        .put("sessionAffinity", "None");
    spec.putArray("clusterIPs").add(firstServiceIp());
    spec.putArray("ports").addObject().put("name", "https").put("port", 443).put("protocol", "TCP").put("targetPort", 6443);
    createIfAbsent(registry("", "v1", "services"), "default", svc);
    // The system PriorityClasses, as kube-apiserver creates them at start.
    for (var pc : PriorityAdmission.SYSTEM_CLASSES.entrySet()) {
      ObjectNode body = Json.MAPPER.createObjectNode().put("apiVersion", "scheduling.k8s.io/v1").put("kind", "PriorityClass");
      body.putObject("metadata").put("name", pc.getKey());
      body.put("value", pc.getValue()).put("description", pc.getKey().equals("system-node-critical")
          ? "Used for system critical pods that must not be moved from their current node."
          : "Used for system critical pods that must run in the cluster, but can be moved to another node if necessary.");
      createIfAbsent(priorityClasses(), null, body);
    }
  }

  /**
   * The endpoints of the {@code kubernetes} Service: this server's address and port, as the API
   * server's endpoint reconciler keeps them (Endpoints and an EndpointSlice). A server bound to
   * loopback only has no address other machines (or Endpoints validation) accept: then none.
   */
  private void reconcileKubernetesEndpoints() {
    String ip = config.advertiseAddress();
    if (ip == null && config.bindAddress() != null && !config.bindAddress().equals("0.0.0.0") && !config.bindAddress().equals("::")) {
      ip = config.bindAddress();
    }
    if (ip == null) ip = io.gubernator.api.net.HostAddresses.primaryIPv4().orElse(null);
    if (ip == null || ip.startsWith("127.")) {
      LOG.info("kubernetes Service gets no endpoints: the server listens on loopback only");
      return;
    }
    ObjectNode ep = Json.MAPPER.createObjectNode().put("apiVersion", "v1").put("kind", "Endpoints");
    ep.putObject("metadata").put("name", "kubernetes").put("namespace", "default")
        .putObject("labels").put("endpointslice.kubernetes.io/skip-mirror", "true");
    ObjectNode subset = ep.putArray("subsets").addObject();
    subset.putArray("addresses").addObject().put("ip", ip);
    subset.putArray("ports").addObject().put("name", "https").put("port", actualPort).put("protocol", "TCP");
    upsert(registry("", "v1", "endpoints"), "default", ep);
    ObjectNode slice = Json.MAPPER.createObjectNode().put("apiVersion", "discovery.k8s.io/v1").put("kind", "EndpointSlice")
        .put("addressType", "IPv4");
    slice.putObject("metadata").put("name", "kubernetes").put("namespace", "default")
        .putObject("labels").put("kubernetes.io/service-name", "kubernetes");
    ObjectNode endpoint = slice.putArray("endpoints").addObject();
    endpoint.putArray("addresses").add(ip);
    endpoint.putObject("conditions").put("ready", true);
    slice.putArray("ports").addObject().put("name", "https").put("port", actualPort).put("protocol", "TCP");
    upsert(registry("discovery.k8s.io", "v1", "endpointslices"), "default", slice);
  }

  /** Creates the object, or replaces what is there (this server owns it). */
  private static void upsert(GenericRegistry registry, String namespace, ObjectNode body) {
    String name = body.path("metadata").path("name").asText();
    var existing = registry.find(namespace, name);
    if (existing.isEmpty()) {
      createIfAbsent(registry, namespace, body);
      return;
    }
    ((ObjectNode) body.path("metadata")).put("resourceVersion", existing.get().path("metadata").path("resourceVersion").asText());
    registry.update(namespace, name, body, Options.Write.DEFAULT, false);
  }

  private static void createIfAbsent(GenericRegistry registry, String namespace, ObjectNode body) {
    // Look first, as Kubernetes' bootstrap controllers do: a create of the existing kubernetes
    // Service would fail on its already-allocated ClusterIP (422) before reaching AlreadyExists.
    if (registry.find(namespace, body.path("metadata").path("name").asText()).isPresent()) return;
    try {
      registry.create(namespace, body, Options.Write.DEFAULT);
    } catch (StatusException e) {
      if (e.code() != 409) throw e;
    }
  }

  private String firstServiceIp() {
    String cidr = config.serviceCidr() == null ? ApiServerConfig.DEFAULT_SERVICE_CIDR : config.serviceCidr();
    String[] ip = cidr.split("/")[0].split("\\.");
    return ip[0] + "." + ip[1] + "." + ip[2] + "." + (Integer.parseInt(ip[3]) + 1);
  }

  public int port() {
    return actualPort;
  }

  /** Host names and addresses the serving certificate must cover. */
  public static List<String> localAddresses() {
    List<String> ips = new ArrayList<>(List.of("127.0.0.1"));
    try {
      for (NetworkInterface nic : Collections.list(NetworkInterface.getNetworkInterfaces())) {
        for (InetAddress a : Collections.list(nic.getInetAddresses())) {
          if (a instanceof java.net.Inet4Address && !ips.contains(a.getHostAddress())) ips.add(a.getHostAddress());
        }
      }
    } catch (Exception e) {
      LOG.warn("cannot list network interfaces: error={}", e.toString());
    }
    return ips;
  }

  @Override
  public void close() {
    ready = false;
    try {
      if (server != null) server.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    } catch (Exception e) {
      LOG.warn("error closing HTTP server: error={}", e.toString());
    }
    caches.close();
    if (handler != null) handler.close();
    if (kubeletProxy != null) kubeletProxy.close();
    if (vertx != null) {
      try {
        vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
      } catch (Exception e) {
        LOG.warn("error closing Vert.x: error={}", e.toString());
      }
    }
  }
}
