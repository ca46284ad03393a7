package io.gubernator.scheduler;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.gubernator.client.EventRecorder;
import io.gubernator.client.Keys;
import io.gubernator.client.MergePatch;
import io.gubernator.scheduler.framework.plugins.defaultpreemption.DefaultPreemption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Preemption through the API, as upstream's prepareCandidate with asynchronous preemption (its
 * SchedulerAsyncPreemption, on by default since 1.33): the nomination is recorded in memory at
 * once, so that the room being made goes to no other pod, and the API calls run off the
 * scheduling thread: a "Preempted" event on each victim and its graceful deletion (the pod's own
 * grace period), all victims at once, then the preemptor's status.nominatedNodeName so users (and
 * a later scheduler) see where it is headed. Done synchronously, these round trips held the
 * scheduling thread for most of each preemption cycle. Until they finish the preemptor may not
 * preempt again ({@link #inFlight}); when they do, it is retried.
 */
final class ApiPreemptor implements DefaultPreemption.Preemptor, AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(ApiPreemptor.class);

  private final KubernetesClient client;
  private final EventRecorder events;
  private final Nominator nominator;
  private final ExecutorService calls = Executors.newVirtualThreadPerTaskExecutor();
  private final Set<String> inFlight = ConcurrentHashMap.newKeySet();
  private volatile Consumer<Pod> completed = p -> {
  };

  ApiPreemptor(KubernetesClient client, EventRecorder events, Nominator nominator) {
    this.client = client;
    this.events = events;
    this.nominator = nominator;
  }

  /** What to do with a preemptor once its preemption's API calls are done (the scheduler requeues it). */
  void onCompleted(Consumer<Pod> completed) {
    this.completed = completed;
  }

  @Override
  public boolean inFlight(Pod preemptor) {
    return inFlight.contains(preemptor.getMetadata().getUid());
  }

  @Override
  public void preempt(Pod preemptor, String node, List<Pod> victims) {
    String uid = preemptor.getMetadata().getUid();
    nominator.nominate(preemptor, node);
    inFlight.add(uid);
    try {
      calls.execute(() -> {
        try {
          run(preemptor, node, victims);
        } finally {
          inFlight.remove(uid);
          completed.accept(preemptor);
        }
      });
    } catch (RejectedExecutionException e) {
      inFlight.remove(uid); // shutting down
    }
  }

  private void run(Pod preemptor, String node, List<Pod> victims) {
    List<Future<?>> deletions = new ArrayList<>();
    for (Pod v : victims) deletions.add(calls.submit(() -> delete(preemptor, node, v)));
    for (Future<?> f : deletions) {
      try {
        f.get();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      } catch (ExecutionException e) {
        LOG.info("preemption victim not deleted: pod={} error={}", Keys.of(preemptor), e.getCause().toString());
      }
    }
    try {
      MergePatch.apply(client.pods(), new Pod(), preemptor.getMetadata().getNamespace(), preemptor.getMetadata().getName(),
          "status", client.getKubernetesSerialization().asJson(Map.of("status", Map.of("nominatedNodeName", node))));
    } catch (KubernetesClientException e) {
      LOG.info("cannot set nominatedNodeName: pod={} code={} error={}", Keys.of(preemptor), e.getCode(), e.getMessage());
    }
    LOG.info("preempted: pod={} node={} victims={}", Keys.of(preemptor), node, victims.stream().map(Keys::of).toList());
  }

  private void delete(Pod preemptor, String node, Pod v) {
    events.event(v, EventRecorder.NORMAL, "Preempted", "Preempted by pod " + preemptor.getMetadata().getUid() + " on node " + node);
    try {
      client.pods().inNamespace(v.getMetadata().getNamespace()).withName(v.getMetadata().getName()).delete();
    } catch (KubernetesClientException e) {
      LOG.info("cannot delete preemption victim: victim={} code={} error={}", Keys.of(v), e.getCode(), e.getMessage());
    }
  }

  @Override
  public void close() {
    calls.shutdown();
    try {
      calls.awaitTermination(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
