package io.gubernator.kubelet;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodStatus;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.api.model.coordination.v1.LeaseBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.gubernator.client.Controller;
import io.gubernator.client.EventRecorder;
import io.gubernator.client.MergePatch;
import io.gubernator.kubelet.config.StaticPods;
import io.gubernator.kubelet.cri.RemoteRuntime;
import io.gubernator.kubelet.cri.v1.RuntimeCondition;
import io.gubernator.kubelet.cri.v1.StatusResponse;
import io.gubernator.kubelet.eviction.DiskUsage;
import io.gubernator.kubelet.eviction.EmptyDirLimits;
import io.gubernator.kubelet.eviction.Eviction;
import io.gubernator.kubelet.eviction.EvictionManager;
import io.gubernator.kubelet.kuberuntime.EnvVars;
import io.gubernator.kubelet.kuberuntime.ImageManager;
import io.gubernator.kubelet.kuberuntime.KubeRuntimeManager;
import io.gubernator.kubelet.kuberuntime.RuntimePod;
import io.gubernator.kubelet.network.CniConfig;
import io.gubernator.kubelet.network.Masquerade;
import io.gubernator.kubelet.nodestatus.NodeStatusSetter;
import io.gubernator.kubelet.prober.ContainerProber;
import io.gubernator.kubelet.prober.ProbeManager;
import io.gubernator.kubelet.status.PodStatusGenerator;
import io.gubernator.kubelet.volume.VolumeManager;
import java.io.IOException;
import java.nio.file.Files;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.temporal.ChronoUnit;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The node agent: registers the Node, keeps its Lease and status fresh, and runs the pods bound to
 * it through the CRI. Pods come from an informer on {@code spec.nodeName}; each pod UID is a key
 * on one work queue (so a pod is never synced twice at once), enqueued by API changes, by the
 * runtime relist (a container exited) and by back-off timers. All cluster state goes through the
 * API (principle 1); all node state comes from the runtime, read fresh on every sync.
 */
public final class Kubelet implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(Kubelet.class);
  private static final Duration RELIST = Duration.ofSeconds(1);
  private static final Duration RESYNC = Duration.ofSeconds(30);
  private static final int POD_WORKERS = 128;
  /** How often local storage is measured; Kubernetes' eviction manager looks every 10 s. */
  private static final Duration EVICTION_PERIOD = Duration.ofSeconds(3);
  /** Kubernetes gives a pod evicted for its local storage one second to stop, preStop hooks included. */
  private static final long EVICTION_GRACE_SECONDS = 1;

  private final KubeletConfig config;
  private final KubernetesClient client;
  private final RemoteRuntime runtime;
  private final String nodeIp;
  private final EventRecorder events;
  /** Whether this kubelet's "Starting" event went out (with its first node status). */
  private volatile boolean announced;
  private final VolumeManager volumes;
  private final KubeRuntimeManager manager;
  private final ProbeManager probes;
  private final EvictionManager evictions;
  private final ConcurrentMap<String, Pod> pods = new ConcurrentHashMap<>();
  /**
   * The evicted pods' messages by UID, until the pods are gone: their status is Failed from then
   * on even before the API shows it, so that no sync restarts them in between.
   */
  private final ConcurrentMap<String, String> evicted = new ConcurrentHashMap<>();
  /** Pods from the manifest directory, by their content-derived UID. */
  private volatile Map<String, Pod> staticPods = Map.of();
  /** The API's mirror pods of static pods, by namespace/name. */
  private final ConcurrentMap<String, Pod> mirrors = new ConcurrentHashMap<>();
  private final Controller workers;
  private final ScheduledExecutorService timers = Executors.newScheduledThreadPool(1,
      r -> Thread.ofPlatform().daemon().name("kubelet-timers").unstarted(r));
  private volatile SharedIndexInformer<Pod> podInformer;
  /** Services, for the environment variables containers get. */
  private volatile SharedIndexInformer<io.fabric8.kubernetes.api.model.Service> serviceInformer;
  private volatile Map<String, String> lastRelist = Map.of();
  private volatile String podCidr;
  private volatile boolean networkReady;
  private volatile int servingPort;

  public Kubelet(KubeletConfig config, KubernetesClient client, RemoteRuntime runtime) {
    this.config = config;
    this.client = client;
    this.runtime = runtime;
    this.nodeIp = config.nodeIp() != null ? config.nodeIp() : io.gubernator.api.net.HostAddresses.primaryIPv4().orElse("127.0.0.1");
    this.events = new EventRecorder(client, "kubelet", config.nodeName());
    EnvVars.Objects objects = new EnvVars.Objects() {
      @Override
      public ConfigMap configMap(String namespace, String name) {
        return client.configMaps().inNamespace(namespace).withName(name).get();
      }

      @Override
      public Secret secret(String namespace, String name) {
        return client.secrets().inNamespace(namespace).withName(name).get();
      }

      @Override
      public List<io.fabric8.kubernetes.api.model.Service> services(String namespace) {
        var informer = serviceInformer;
        if (informer == null) return List.of();
        return informer.getIndexer().byIndex(io.fabric8.kubernetes.client.informers.cache.Cache.NAMESPACE_INDEX, namespace);
      }
    };
    this.volumes = new VolumeManager(config.rootDir().resolve("pods"), objects);
    ImageManager images = new ImageManager(runtime, events, objects::secret);
    // As the kubelet's one goroutine per pod: pods start (and wait out grace periods) side by side,
    // while the queue still never syncs one pod twice at once.
    this.workers = new Controller("kubelet", POD_WORKERS, this::sync);
    // A probe result that flips only queues the pod; the sync acts on it.
    this.probes = new ProbeManager(new ContainerProber(runtime), events, workers::enqueue);
    this.manager = new KubeRuntimeManager(runtime, images, volumes, objects, events, config.podLogsDir(), probes);
    this.evictions = new EvictionManager(List.of(new EmptyDirLimits(volumes::emptyDir, DiskUsage::bytes)), this::activePods, this::evict);
  }

  public KubeRuntimeManager runtimeManager() {
    return manager;
  }

  public String nodeIp() {
    return nodeIp;
  }

  public KubeletConfig config() {
    return config;
  }

  /** The pod bound to this node with this namespace and name, from the informer's view; null when absent. */
  public Pod findPod(String namespace, String name) {
    for (Pod p : staticPods.values()) {
      if (namespace.equals(p.getMetadata().getNamespace()) && name.equals(p.getMetadata().getName())) return p;
    }
    for (Pod p : pods.values()) {
      if (namespace.equals(p.getMetadata().getNamespace()) && name.equals(p.getMetadata().getName())) return p;
    }
    return null;
  }

  /** The pods bound to this node. */
  public List<Pod> pods() {
    List<Pod> all = new java.util.ArrayList<>(pods.values());
    all.addAll(staticPods.values());
    return all;
  }

  /** Registers the node and starts the loops; {@code servingPort} is where the kubelet's HTTPS server listens. */
  public void start(int servingPort) throws IOException {
    this.servingPort = servingPort;
    Files.createDirectories(config.rootDir());
    Files.createDirectories(config.podLogsDir());
    registerNode();
    renewLease();
    updateNodeStatus();
    timers.scheduleWithFixedDelay(guard("lease", this::renewLease), 10, 10, TimeUnit.SECONDS);
    timers.scheduleWithFixedDelay(guard("node status", this::updateNodeStatus), config.statusFrequency().toMillis(),
        config.statusFrequency().toMillis(), TimeUnit.MILLISECONDS);
    timers.scheduleWithFixedDelay(guard("relist", this::relist), RELIST.toMillis(), RELIST.toMillis(), TimeUnit.MILLISECONDS);
    // Until the node IPAM controller has given this node a podCIDR, look every second, so the pod
    // network (and Ready) comes up within a second of it rather than a status period later.
    timers.scheduleWithFixedDelay(guard("pod CIDR", () -> {
      if (podCidr == null) updateNodeStatus();
    }), 1, 1, TimeUnit.SECONDS);
    timers.scheduleWithFixedDelay(guard("resync", () -> pods.keySet().forEach(workers::enqueue)), RESYNC.toMillis(),
        RESYNC.toMillis(), TimeUnit.MILLISECONDS);
    if (config.staticPodPath() != null) {
      Files.createDirectories(config.staticPodPath());
      readStaticPods();
      timers.scheduleWithFixedDelay(guard("static pods", this::readStaticPods), 5, 5, TimeUnit.SECONDS);
    }
    serviceInformer = client.services().inAnyNamespace().inform();
    podInformer = client.pods().inAnyNamespace().withField("spec.nodeName", config.nodeName()).inform(new ResourceEventHandler<>() {
      @Override
      public void onAdd(Pod pod) {
        seen(pod);
      }

      @Override
      public void onUpdate(Pod old, Pod pod) {
        if (onlyStatusChanged(old, pod) && !StaticPods.isMirror(pod)) {
          // Mostly the echo of this kubelet's own status write. Kubernetes' kubelet takes such an
          // update as a reconcile, not a reason to sync: the pod is kept, nothing is run.
          pods.put(pod.getMetadata().getUid(), pod);
          return;
        }
        seen(pod);
      }

      @Override
      public void onDelete(Pod pod, boolean unknown) {
        if (StaticPods.isMirror(pod)) {
          mirrors.remove(mirrorKey(pod));
          staticUid(pod).ifPresent(workers::enqueue);
          return;
        }
        pods.remove(pod.getMetadata().getUid());
        workers.enqueue(pod.getMetadata().getUid());
      }
    }, 0);
    workers.start(List.of(podInformer, serviceInformer));
    evictions.start(EVICTION_PERIOD);
    // Pods left in the runtime by a previous run get their keys at once, not after the first relist.
    relist();
    LOG.info("kubelet started: node={} ip={} port={} runtime={}", config.nodeName(), nodeIp, servingPort, config.runtimeSocket());
  }

  private void seen(Pod pod) {
    if (StaticPods.isMirror(pod)) {
      // A mirror only shows a static pod; the static pod (keyed by its own UID) is what runs.
      mirrors.put(mirrorKey(pod), pod);
      staticUid(pod).ifPresent(workers::enqueue);
      return;
    }
    pods.put(pod.getMetadata().getUid(), pod);
    workers.enqueue(pod.getMetadata().getUid());
  }

  /** Whether two versions of a pod differ in their status only (the resourceVersion and managedFields go with any write). */
  static boolean onlyStatusChanged(Pod old, Pod pod) {
    if (!Objects.equals(old.getSpec(), pod.getSpec())) return false;
    var a = old.getMetadata();
    var b = pod.getMetadata();
    return Objects.equals(a.getUid(), b.getUid()) && Objects.equals(a.getDeletionTimestamp(), b.getDeletionTimestamp())
        && Objects.equals(a.getDeletionGracePeriodSeconds(), b.getDeletionGracePeriodSeconds())
        && Objects.equals(a.getLabels(), b.getLabels()) && Objects.equals(a.getAnnotations(), b.getAnnotations())
        && Objects.equals(a.getGeneration(), b.getGeneration()) && Objects.equals(a.getFinalizers(), b.getFinalizers())
        && Objects.equals(a.getOwnerReferences(), b.getOwnerReferences());
  }

  private static String mirrorKey(Pod pod) {
    return pod.getMetadata().getNamespace() + "/" + pod.getMetadata().getName();
  }

  private java.util.Optional<String> staticUid(Pod mirror) {
    return staticPods.values().stream().filter(p -> mirrorKey(p).equals(mirrorKey(mirror))).map(p -> p.getMetadata().getUid()).findFirst();
  }

  private void readStaticPods() {
    Map<String, Pod> now = StaticPods.read(config.staticPodPath(), config.nodeName());
    Map<String, Pod> before = staticPods;
    staticPods = Map.copyOf(now);
    for (String uid : now.keySet()) if (!before.containsKey(uid)) workers.enqueue(uid);
    for (String uid : before.keySet()) if (!now.containsKey(uid)) workers.enqueue(uid);
  }

  private Runnable guard(String what, Runnable r) {
    return () -> {
      try {
        r.run();
      } catch (RuntimeException e) {
        LOG.warn("{} failed: error={}", what, e.toString());
      }
    };
  }

  // ---- node ----

  private Map<String, String> nodeLabels() {
    Map<String, String> labels = new HashMap<>(config.nodeLabels());
    labels.put("kubernetes.io/hostname", config.nodeName());
    labels.put("kubernetes.io/os", "linux");
    labels.put("kubernetes.io/arch", archLabel());
    labels.put("beta.kubernetes.io/os", "linux");
    labels.put("beta.kubernetes.io/arch", archLabel());
    return labels;
  }

  private static String archLabel() {
    String a = System.getProperty("os.arch");
    return "aarch64".equals(a) ? "arm64" : "amd64";
  }

  private void registerNode() {
    Node existing = client.nodes().withName(config.nodeName()).get();
    if (existing == null) {
      Node node = new NodeBuilder().withNewMetadata().withName(config.nodeName()).withLabels(nodeLabels())
          .addToAnnotations("node.alpha.kubernetes.io/ttl", "0").endMetadata().withNewSpec().endSpec().build();
      try {
        client.nodes().resource(node).create();
        LOG.info("node registered: node={}", config.nodeName());
      } catch (KubernetesClientException e) {
        if (e.getCode() != 409) throw e;
      }
    } else {
      client.nodes().withName(config.nodeName()).edit(n -> {
        n.getMetadata().setLabels(merge(n.getMetadata().getLabels(), nodeLabels()));
        return n;
      });
    }
  }

  private static Map<String, String> merge(Map<String, String> a, Map<String, String> b) {
    Map<String, String> m = new HashMap<>(a == null ? Map.of() : a);
    m.putAll(b);
    return m;
  }

  private void renewLease() {
    Node node = client.nodes().withName(config.nodeName()).get();
    ZonedDateTime now = ZonedDateTime.now(ZoneOffset.UTC).truncatedTo(ChronoUnit.MICROS);
    var leases = client.leases().inNamespace("kube-node-lease");
    Lease lease = leases.withName(config.nodeName()).get();
    if (lease == null) {
      LeaseBuilder b = new LeaseBuilder().withNewMetadata().withName(config.nodeName()).withNamespace("kube-node-lease").endMetadata();
      if (node != null) {
        b.editMetadata().addNewOwnerReference().withApiVersion("v1").withKind("Node").withName(config.nodeName())
            .withUid(node.getMetadata().getUid()).endOwnerReference().endMetadata();
      }
      leases.resource(b.withNewSpec().withHolderIdentity(config.nodeName()).withLeaseDurationSeconds(config.leaseSeconds())
          .withRenewTime(now).endSpec().build()).create();
    } else {
      lease.getSpec().setRenewTime(now);
      leases.resource(lease).update();
    }
  }

  private NodeStatusSetter.RuntimeState runtimeState() {
    String version = "";
    boolean runtimeReady = false;
    boolean cniReady = false;
    String message = "container runtime is down";
    try {
      var v = runtime.version();
      version = v.getRuntimeName() + "://" + v.getRuntimeVersion();
      StatusResponse status = runtime.status();
      runtimeReady = true;
      cniReady = true;
      for (RuntimeCondition c : status.getStatus().getConditionsList()) {
        if (!c.getStatus() && ("RuntimeReady".equals(c.getType()) || "NetworkReady".equals(c.getType()))) {
          if ("RuntimeReady".equals(c.getType())) runtimeReady = false;
          else cniReady = false;
          message = "container runtime network not ready: " + c.getType() + "=false reason:" + c.getReason() + " message:" + c.getMessage();
        }
      }
    } catch (RuntimeException e) {
      message = "container runtime is down: " + e.getMessage();
    }
    if (podCidr == null && runtimeReady) {
      cniReady = false;
      message = "container runtime network not ready: the node has no podCIDR yet";
    }
    networkReady = cniReady;
    return new NodeStatusSetter.RuntimeState(version, runtimeReady, cniReady, message);
  }

  /** Reports the node status; a conflict (another writer, such as the IPAM controller) is retried at once with a fresh read. */
  private void updateNodeStatus() {
    for (int attempt = 1; ; attempt++) {
      try {
        tryUpdateNodeStatus();
        return;
      } catch (KubernetesClientException e) {
        if (e.getCode() != 409 || attempt >= 5) throw e;
      }
    }
  }

  private void tryUpdateNodeStatus() {
    Node node = client.nodes().withName(config.nodeName()).get();
    if (node == null) {
      registerNode();
      return;
    }
    String cidr = node.getSpec() == null ? null : node.getSpec().getPodCIDR();
    if (cidr != null && !cidr.isEmpty() && !cidr.equals(podCidr)) {
      try {
        Masquerade.ensure(cidr);
        if (CniConfig.write(config.cniConfDir(), cidr, config.cniDataDir())) {
          LOG.info("pod network configured: podCIDR={}", cidr);
          // containerd loads the file asynchronously: report Ready as soon as it has, not a status period later.
          timers.schedule(guard("node status", this::updateNodeStatus), 1, TimeUnit.SECONDS);
        }
        podCidr = cidr;
      } catch (IOException e) {
        LOG.warn("cannot write the CNI configuration: error={}", e.toString());
      }
    }
    NodeStatusSetter.RuntimeState state = runtimeState();
    var previous = node.getStatus();
    node.setStatus(NodeStatusSetter.status(config, nodeIp, servingPort, state, previous, Instant.now()));
    client.nodes().resource(node).updateStatus();
    // The events kubectl describe node shows, as Kubernetes' kubelet records them.
    if (!announced) {
      events.event(node, EventRecorder.NORMAL, "Starting", "Starting kubelet.");
      announced = true;
    }
    for (String reason : NodeStatusSetter.conditionEvents(previous, node.getStatus())) {
      events.event(node, EventRecorder.NORMAL, reason, "Node " + config.nodeName() + " status is now: " + reason);
    }
    if (NodeStatusSetter.wasUnknown(previous)) {
      // The node controller gave up on this node meanwhile and marked its pods not ready: report them now.
      pods.keySet().forEach(workers::enqueue);
    }
  }

  // ---- pods ----

  /**
   * The runtime's pods in one cheap pass (two list calls, and status calls for what changed only),
   * which also refreshes the runtime cache the syncs read; a pod whose sandboxes or containers
   * changed state gets synced.
   */
  private void relist() {
    Map<String, String> now = new HashMap<>();
    for (RuntimePod rp : manager.relist().values()) {
      StringBuilder b = new StringBuilder();
      for (var s : rp.sandboxes()) b.append(s.getId()).append(':').append(s.getState().getNumber()).append(',');
      for (var c : rp.containers()) b.append(c.getId()).append(':').append(c.getState().getNumber()).append(',');
      now.put(rp.uid(), b.toString());
    }
    Map<String, String> before = lastRelist;
    for (Map.Entry<String, String> e : now.entrySet()) {
      if (!e.getValue().equals(before.get(e.getKey()))) workers.enqueue(e.getKey());
    }
    lastRelist = Collections.unmodifiableMap(now);
  }

  private void sync(String uid) throws Exception {
    if (uid.isEmpty()) return;
    Pod pod = pods.get(uid);
    Pod staticPod = staticPods.get(uid);
    if (pod == null && staticPod != null) pod = withMirrorStatus(staticPod);
    RuntimePod rp = manager.cachedRuntimePod(uid);
    if (pod == null) {
      // Gone from the API (or its manifest removed): whatever is left on the node goes too.
      if (!rp.isEmpty()) LOG.info("removing pod that is gone: uid={}", uid);
      manager.removePod(rp, 0);
      deleteMirrorOf(uid);
      evicted.remove(uid);
      return;
    }
    if (pod.getMetadata().getDeletionTimestamp() != null) {
      terminate(pod, rp);
      return;
    }
    String eviction = evicted.get(uid);
    if (eviction != null) {
      finishEviction(Eviction.failed(pod, eviction), rp);
      return;
    }
    if (!networkReady && !Boolean.TRUE.equals(pod.getSpec().getHostNetwork()) && rp.readySandbox().isEmpty()) {
      workers.enqueueAfter(uid, Duration.ofSeconds(1));
      return;
    }
    Duration again = manager.syncPod(pod, rp, nodeIp);
    // Read again only if the sync changed something; otherwise the view it decided on still holds.
    rp = manager.cachedRuntimePod(uid);
    // hostNetwork pods have no sandbox address: their probes go to the node's.
    probes.update(Boolean.TRUE.equals(pod.getSpec().getHostNetwork()) ? withPodIp(pod, nodeIp) : pod, rp);
    updateStatus(pod, rp);
    if (again != null) workers.enqueueAfter(uid, again.plusMillis(50));
  }

  private void terminate(Pod pod, RuntimePod rp) {
    long grace = pod.getMetadata().getDeletionGracePeriodSeconds() == null ? 30 : pod.getMetadata().getDeletionGracePeriodSeconds();
    if (rp.anyRunning()) {
      events.event(pod, EventRecorder.NORMAL, "Killing", "Stopping container " + pod.getSpec().getContainers().get(0).getName());
    }
    manager.stopAll(pod, rp, grace);
    updateStatus(pod, manager.runtimePod(pod.getMetadata().getUid()));
    // The containers are gone: the kubelet finishes the deletion the API server started.
    try {
      client.pods().inNamespace(pod.getMetadata().getNamespace()).withName(pod.getMetadata().getName()).withGracePeriod(0).delete();
    } catch (KubernetesClientException e) {
      if (e.getCode() != 404) throw e;
    }
  }

  /** The pods the eviction checks look at: running or about to, not yet evicted, not being deleted. */
  private List<Pod> activePods() {
    return pods.values().stream().filter(p -> p.getMetadata().getDeletionTimestamp() == null)
        .filter(p -> !evicted.containsKey(p.getMetadata().getUid()))
        .filter(p -> p.getStatus() == null || !("Succeeded".equals(p.getStatus().getPhase()) || "Failed".equals(p.getStatus().getPhase())))
        .toList();
  }

  private void evict(Eviction e) {
    events.event(e.pod(), EventRecorder.WARNING, Eviction.REASON, e.message());
    evicted.put(e.pod().getMetadata().getUid(), e.message());
    workers.enqueue(e.pod().getMetadata().getUid());
  }

  /**
   * Stops an evicted pod for good and reports it Failed. Its volumes go at once: the disk they
   * hold is what the eviction is for. Idempotent, as every later sync of the pod comes here.
   */
  private void finishEviction(Pod failed, RuntimePod rp) {
    String uid = failed.getMetadata().getUid();
    manager.stopAll(failed, rp, EVICTION_GRACE_SECONDS);
    rp = manager.runtimePod(uid);
    // Nothing is left to stop; this forgets what the last sync was waiting for (a back-off), which
    // the status would otherwise still show.
    manager.syncPod(failed, rp, nodeIp);
    volumes.tearDown(uid);
    probes.remove(uid);
    updateStatus(failed, rp);
  }

  /** The static pod with the status its mirror shows, so that transition times carry over. */
  private Pod withMirrorStatus(Pod staticPod) {
    Pod mirror = mirrors.get(mirrorKey(staticPod));
    if (mirror == null || mirror.getStatus() == null) return staticPod;
    return new io.fabric8.kubernetes.api.model.PodBuilder(staticPod).withStatus(mirror.getStatus()).build();
  }

  private void deleteMirrorOf(String staticUid) {
    for (Pod m : mirrors.values()) {
      if (staticUid.equals(m.getMetadata().getAnnotations().get(StaticPods.CONFIG_MIRROR))) deleteMirror(m);
    }
  }

  private void deleteMirror(Pod mirror) {
    try {
      client.pods().inNamespace(mirror.getMetadata().getNamespace()).withName(mirror.getMetadata().getName()).withGracePeriod(0).delete();
    } catch (KubernetesClientException e) {
      if (e.getCode() != 404) throw e;
    }
  }

  /**
   * The API object a static pod's status goes to: its mirror, created when missing; a mirror
   * that is being deleted or shows an older manifest is deleted and made again (deleting a mirror
   * never stops a static pod, as in Kubernetes). Null until a usable mirror exists.
   */
  private Pod ensureMirror(Pod staticPod) {
    Pod mirror = mirrors.get(mirrorKey(staticPod));
    String hash = staticPod.getMetadata().getUid();
    if (mirror != null && (mirror.getMetadata().getDeletionTimestamp() != null
        || !hash.equals(mirror.getMetadata().getAnnotations().get(StaticPods.CONFIG_MIRROR)))) {
      deleteMirror(mirror);
      return null;
    }
    if (mirror != null) return mirror;
    Node node = client.nodes().withName(config.nodeName()).get();
    try {
      Pod created = client.pods().inNamespace(staticPod.getMetadata().getNamespace())
          .resource(StaticPods.mirror(staticPod, node == null ? null : node.getMetadata().getUid())).create();
      mirrors.put(mirrorKey(created), created);
      return created;
    } catch (KubernetesClientException e) {
      if (e.getCode() == 409) return null;
      throw e;
    }
  }

  private static Pod withPodIp(Pod pod, String ip) {
    return new io.fabric8.kubernetes.api.model.PodBuilder(pod).editOrNewStatus().withPodIP(ip).endStatus().build();
  }

  private void updateStatus(Pod pod, RuntimePod rp) {
    String uid = pod.getMetadata().getUid();
    PodStatus status = PodStatusGenerator.generate(pod, rp, manager.waiting(uid), c -> probes.ready(uid, c), c -> probes.started(uid, c),
        nodeIp, Instant.now());
    Pod target = pod;
    if (staticPods.containsKey(uid)) {
      target = ensureMirror(pod);
      if (target == null) {
        workers.enqueueAfter(uid, Duration.ofSeconds(1));
        return;
      }
    }
    if (Objects.equals(status, target.getStatus())) return;
    try {
      Pod updated = MergePatch.apply(client.pods(), new Pod(), target.getMetadata().getNamespace(),
          target.getMetadata().getName(), "status", statusPatch(target, status));
      pods.computeIfPresent(uid, (k, v) -> updated);
    } catch (KubernetesClientException e) {
      if (e.getCode() == 404) return;
      throw e;
    }
  }

  /**
   * A merge patch of the whole status, as the kubelet's status manager sends it: no
   * resourceVersion (the kubelet owns pod status, so a concurrent write to the spec or metadata is
   * no conflict), the UID as a precondition against a pod recreated under the same name, and
   * explicit nulls for fields the new status no longer has.
   */
  static String statusPatch(Pod current, PodStatus status) {
    var mapper = io.fabric8.kubernetes.client.utils.Serialization.jsonMapper();
    com.fasterxml.jackson.databind.node.ObjectNode next = mapper.valueToTree(status);
    if (current.getStatus() != null) {
      com.fasterxml.jackson.databind.JsonNode old = mapper.valueToTree(current.getStatus());
      old.fieldNames().forEachRemaining(f -> {
        if (!next.has(f)) next.putNull(f);
      });
    }
    com.fasterxml.jackson.databind.node.ObjectNode patch = mapper.createObjectNode();
    patch.putObject("metadata").put("uid", current.getMetadata().getUid());
    patch.set("status", next);
    return patch.toString();
  }




  @Override
  public void close() {
    timers.shutdownNow();
    evictions.close();
    workers.close();
    probes.close();
    if (podInformer != null) podInformer.close();
    if (serviceInformer != null) serviceInformer.close();
    events.close();
  }
}
