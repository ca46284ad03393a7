package io.gubernator.scheduler;

import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodCondition;
import io.fabric8.kubernetes.api.model.PodConditionBuilder;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.gubernator.client.EventRecorder;
import io.gubernator.client.Keys;
import io.gubernator.client.MergePatch;
import io.gubernator.scheduler.framework.CycleState;
import io.gubernator.scheduler.framework.Framework;
import io.gubernator.scheduler.framework.NodeLists;
import io.gubernator.scheduler.framework.QueuedPodInfo;
import io.gubernator.scheduler.framework.Status;
import io.gubernator.scheduler.framework.plugins.interpodaffinity.InterPodAffinity;
import io.gubernator.scheduler.framework.plugins.podtopologyspread.PodTopologySpread;
import java.time.Instant;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * kube-scheduler: watches nodes and pods through shared informers, takes pending pods whose
 * schedulerName is ours from the {@link SchedulingQueue} one at a time, runs the {@link Algorithm}
 * over a {@link Cache} snapshot, assumes the pod onto the chosen node and binds it through the
 * API on another thread, so the next cycle starts at once. Reaches the cluster only through the
 * client (the API is the only contract).
 */
public final class Scheduler implements AutoCloseable {

  public static final String DEFAULT_SCHEDULER_NAME = "default-scheduler";
  private static final Logger LOG = LoggerFactory.getLogger(Scheduler.class);
  /** Bindings in flight at once; more only queue up in the API server. */
  private static final int MAX_BINDINGS_IN_FLIGHT = 64;

  private final KubernetesClient client;
  private final Framework framework;
  private final Cache cache = new Cache();
  private final Nominator nominator;
  private final Cache.Snapshot snapshot = new Cache.Snapshot();
  private final SchedulingQueue queue;
  private final Algorithm algorithm = new Algorithm(ThreadLocalRandom.current());
  private final EventRecorder events;
  private final ExecutorService binders = Executors.newVirtualThreadPerTaskExecutor();
  private final Semaphore bindSlots = new Semaphore(MAX_BINDINGS_IN_FLIGHT);
  private final ScheduledExecutorService timers = Executors.newSingleThreadScheduledExecutor(
      r -> Thread.ofPlatform().daemon().name("scheduler-timers").unstarted(r));
  private final List<SharedIndexInformer<?>> informers = new ArrayList<>();
  /** Closed with the scheduler, before the informers (the preemptor's calls). */
  private final List<AutoCloseable> closeables = new ArrayList<>();
  private Thread loop;
  private volatile boolean stopping;

  private Scheduler(KubernetesClient client, Framework framework, EventRecorder events, Nominator nominator) {
    this.client = client;
    this.framework = framework;
    this.nominator = nominator;
    this.queue = new SchedulingQueue(framework.queueSort(), System::nanoTime);
    this.events = events;
  }

  /** Starts a scheduler with the default profile; returns once its informers have synced. */
  public static Scheduler start(KubernetesClient client) {
    EventRecorder events = new EventRecorder(client, DEFAULT_SCHEDULER_NAME, DEFAULT_SCHEDULER_NAME);
    // Preemption weighs victims against the budgets, as kube-scheduler's does through its PDB lister.
    SharedIndexInformer<PodDisruptionBudget> budgets = client.policy().v1().podDisruptionBudget().inAnyNamespace().runnableInformer(0);
    Nominator nominator = new Nominator();
    ApiPreemptor preemptor = new ApiPreemptor(client, events, nominator);
    Framework framework = Profiles.defaultProfile(client, preemptor, () -> budgets.getStore().list());
    return start(client, framework, events, List.of(budgets), nominator, s -> {
      s.closeables.add(preemptor);
      // The preemptor waited in unschedulable while its preemption's calls ran; now it may fit.
      preemptor.onCompleted(p -> s.queue.moveToActiveOrBackoffIf("PreemptionCompleted",
          q -> q.pod.getMetadata().getUid().equals(p.getMetadata().getUid())));
    });
  }

  public static Scheduler start(KubernetesClient client, Framework framework, EventRecorder events) {
    return start(client, framework, events, List.of(), new Nominator(), s -> {
    });
  }

  /** @param extraInformers informers the profile's plugins read, started and synced with the scheduler's own */
  private static Scheduler start(KubernetesClient client, Framework framework, EventRecorder events,
      List<SharedIndexInformer<?>> extraInformers, Nominator nominator, Consumer<Scheduler> wire) {
    Scheduler s = new Scheduler(client, framework, events, nominator);
    s.informers.addAll(extraInformers);
    wire.accept(s);
    try {
      s.run();
    } catch (RuntimeException e) {
      s.close();
      throw e;
    }
    return s;
  }

  private void run() {
    SharedIndexInformer<Node> nodes = client.nodes().runnableInformer(0);
    SharedIndexInformer<Pod> pods = client.pods().inAnyNamespace().runnableInformer(0);
    informers.add(nodes);
    informers.add(pods);
    nodes.addEventHandler(new ResourceEventHandler<>() {
      @Override
      public void onAdd(Node n) {
        cache.addOrUpdateNode(n);
        queue.moveAllToActiveOrBackoff("NodeAdd");
      }

      @Override
      public void onUpdate(Node old, Node n) {
        cache.addOrUpdateNode(n);
        // Heartbeats change only status conditions' timestamps; those cannot make a pod fit.
        if (!Objects.equals(old.getSpec(), n.getSpec()) || !Objects.equals(old.getMetadata().getLabels(), n.getMetadata().getLabels())
            || !Objects.equals(allocatable(old), allocatable(n))) {
          queue.moveAllToActiveOrBackoff("NodeUpdate");
        }
      }

      @Override
      public void onDelete(Node n, boolean unknownFinalState) {
        cache.removeNode(n.getMetadata().getName());
      }
    });
    pods.addEventHandler(new ResourceEventHandler<>() {
      @Override
      public void onAdd(Pod p) {
        podChanged(null, p);
      }

      @Override
      public void onUpdate(Pod old, Pod p) {
        podChanged(old, p);
      }

      @Override
      public void onDelete(Pod p, boolean unknownFinalState) {
        queue.delete(p);
        nominator.remove(p);
        if (isAssigned(p)) {
          cache.removePod(p);
          queue.moveAllToActiveOrBackoff("AssignedPodDelete");
        }
      }
    });
    informers.forEach(SharedIndexInformer::start);
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (!informers.stream().allMatch(SharedIndexInformer::hasSynced)) {
      if (System.nanoTime() > deadline) throw new IllegalStateException("scheduler informers did not sync in 60 s");
      try {
        Thread.sleep(10);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted while syncing", e);
      }
    }
    timers.scheduleWithFixedDelay(queue::flushUnschedulableLeftover, 30, 30, TimeUnit.SECONDS);
    loop = Thread.ofPlatform().daemon().name("scheduler").start(this::scheduleLoop);
    LOG.info("scheduler started: name={} plugins={}", framework.schedulerName(), framework.describe());
  }

  private static Object allocatable(Node n) {
    return n.getStatus() == null ? null : n.getStatus().getAllocatable();
  }

  private static boolean isAssigned(Pod p) {
    return p.getSpec().getNodeName() != null && !p.getSpec().getNodeName().isEmpty();
  }

  private static boolean isTerminal(Pod p) {
    String phase = p.getStatus() == null ? null : p.getStatus().getPhase();
    return "Succeeded".equals(phase) || "Failed".equals(phase);
  }

  private void podChanged(Pod old, Pod p) {
    if (isAssigned(p)) {
      queue.delete(p);
      nominator.remove(p);
      // Terminal pods hold no resources (upstream's informer excludes them by field selector).
      if (isTerminal(p)) {
        cache.removePod(p);
        queue.moveAllToActiveOrBackoff("AssignedPodTerminated");
      } else {
        cache.addOrUpdatePod(p);
        // A newly bound pod can raise a spread constraint's least-loaded domain or satisfy an affinity term.
        if (old == null || !isAssigned(old)) {
          queue.moveToActiveOrBackoffIf("AssignedPodAdd", q -> q.unschedulablePlugins.contains(PodTopologySpread.NAME)
              || q.unschedulablePlugins.contains(InterPodAffinity.NAME));
        }
      }
      return;
    }
    if (!framework.schedulerName().equals(p.getSpec().getSchedulerName()) || p.getMetadata().getDeletionTimestamp() != null
        || isTerminal(p)) {
      queue.delete(p);
      nominator.remove(p);
      return;
    }
    nominator.update(p);
    // Our own PodScheduled=False write comes back as an update; like upstream's isPodUpdated,
    // only a change outside status (and resourceVersion) is worth another attempt.
    if (old == null || specOrMetadataChanged(old, p)) queue.add(p);
    else queue.refresh(p);
  }

  private static boolean specOrMetadataChanged(Pod old, Pod p) {
    return !Objects.equals(old.getSpec(), p.getSpec()) || !Objects.equals(old.getMetadata().getLabels(), p.getMetadata().getLabels())
        || !Objects.equals(old.getMetadata().getAnnotations(), p.getMetadata().getAnnotations());
  }

  private void scheduleLoop() {
    while (!stopping) {
      QueuedPodInfo p;
      try {
        p = queue.pop();
      } catch (InterruptedException e) {
        return;
      }
      if (p == null) return;
      try {
        scheduleOne(p);
      } catch (RuntimeException e) {
        LOG.warn("scheduling attempt failed: pod={}", Keys.of(p.pod), e);
        queue.addBackoff(p);
      }
    }
  }

  /** One scheduling cycle; the binding cycle continues on a binder thread. */
  void scheduleOne(QueuedPodInfo qp) {
    Pod pod = qp.pod;
    if (cache.isAssumed(pod)) {
      // A stale update of a pod we already placed; the binding's outcome will settle it.
      return;
    }
    long begin = System.nanoTime();
    cache.updateSnapshot(snapshot);
    CycleState state = new CycleState();
    state.write(NodeLists.KEY, snapshot.lists());
    Algorithm.Result result;
    try {
      result = algorithm.schedule(framework, state, pod, snapshot.nodes(), nominator.snapshot());
    } catch (Algorithm.FitException e) {
      String message = e.error().message();
      Set<String> rejectors = new HashSet<>();
      for (Status s : e.error().nodeStatuses().values()) {
        if (s.plugin() != null) rejectors.add(s.plugin());
      }
      qp.unschedulablePlugins = rejectors;
      LOG.info("unable to schedule pod: pod={} attempts={} message=\"{}\"", Keys.of(pod), qp.attempts, message);
      queue.addUnschedulable(qp);
      reportFailure(pod, message);
      return;
    }
    String node = result.node();
    // Assume before binding: the next cycle must count this pod on its node right away.
    cache.assume(pod, node);
    Status reserve = framework.runReserve(state, pod, node);
    Status permit = reserve.isSuccess() ? framework.runPermit(state, pod, node) : reserve;
    if (!permit.isSuccess()) {
      if (reserve.isSuccess()) framework.runUnreserve(state, pod, node);
      cache.forget(pod);
      LOG.info("pod rejected before binding: pod={} plugin={} message=\"{}\"", Keys.of(pod), permit.plugin(), permit.message());
      if (permit.isRejected()) {
        queue.addUnschedulable(qp);
        reportFailure(pod, permit.message());
      } else {
        queue.addBackoff(qp);
      }
      return;
    }
    if (LOG.isDebugEnabled()) {
      LOG.debug("pod scheduled: pod={} node={} evaluated={} feasible={} us={}", Keys.of(pod), node, result.evaluated(),
          result.feasible(), (System.nanoTime() - begin) / 1000);
    }
    bindSlots.acquireUninterruptibly();
    binders.execute(() -> {
      try {
        bind(qp, state, node);
      } finally {
        bindSlots.release();
      }
    });
  }

  private void bind(QueuedPodInfo qp, CycleState state, String node) {
    Pod pod = qp.pod;
    Status s;
    try {
      s = framework.runBind(state, pod, node);
    } catch (RuntimeException e) {
      s = Status.error(e.toString());
    }
    if (s.isSuccess()) {
      queue.done(qp);
      events.event(pod, EventRecorder.NORMAL, "Scheduled",
          "Successfully assigned " + pod.getMetadata().getNamespace() + "/" + pod.getMetadata().getName() + " to " + node);
      return;
    }
    // The node did not get the pod: free what we assumed and try again later.
    framework.runUnreserve(state, pod, node);
    cache.forget(pod);
    LOG.info("binding failed: pod={} node={} message=\"{}\"", Keys.of(pod), node, s.message());
    queue.addBackoff(qp);
    queue.moveAllToActiveOrBackoff("BindingFailed");
  }

  /** FailedScheduling event and PodScheduled=False, as kube-scheduler's handleSchedulingFailure. */
  private void reportFailure(Pod pod, String message) {
    events.event(pod, EventRecorder.WARNING, "FailedScheduling", message);
    PodCondition existing = pod.getStatus() == null || pod.getStatus().getConditions() == null ? null
        : pod.getStatus().getConditions().stream().filter(c -> "PodScheduled".equals(c.getType())).findFirst().orElse(null);
    if (existing != null && "False".equals(existing.getStatus()) && "Unschedulable".equals(existing.getReason())
        && message.equals(existing.getMessage())) {
      return; // unchanged: upstream skips the update too
    }
    PodCondition condition = new PodConditionBuilder().withType("PodScheduled").withStatus("False").withReason("Unschedulable")
        .withMessage(message).withLastTransitionTime(DateTimeFormatter.ISO_INSTANT.format(Instant.now().truncatedTo(ChronoUnit.SECONDS)))
        .build();
    List<PodCondition> conditions = new ArrayList<>();
    if (pod.getStatus() != null && pod.getStatus().getConditions() != null) {
      for (PodCondition c : pod.getStatus().getConditions()) {
        if (!"PodScheduled".equals(c.getType())) conditions.add(c);
      }
    }
    conditions.add(condition);
    binders.execute(() -> {
      try {
        // A merge patch of the whole list: nothing else writes conditions of an unbound pod.
        MergePatch.apply(client.pods(), new Pod(), pod.getMetadata().getNamespace(), pod.getMetadata().getName(), "status",
            client.getKubernetesSerialization().asJson(Map.of("status", Map.of("conditions", conditions))));
      } catch (KubernetesClientException e) {
        LOG.info("cannot update pod condition: pod={} code={} error={}", Keys.of(pod), e.getCode(), e.getMessage());
      }
    });
  }

  public int[] queueSizes() {
    return queue.sizes();
  }

  @Override
  public void close() {
    stopping = true;
    queue.close();
    if (loop != null) {
      try {
        loop.join(5000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    timers.shutdownNow();
    binders.shutdown();
    try {
      binders.awaitTermination(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    for (AutoCloseable c : closeables) {
      try {
        c.close();
      } catch (Exception e) {
        LOG.warn("closing {} failed", c, e);
      }
    }
    for (SharedIndexInformer<?> i : informers) i.stop();
    events.close();
    LOG.info("scheduler stopped");
  }
}
