package io.gubernator.client;

import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.EventBuilder;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.time.Instant;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Records core/v1 Events about objects, as client-go's event broadcaster does: asynchronously (a
 * controller never waits for, or fails because of, an event), and dropping events when the API
 * cannot keep up. An event identical to one already recorded (same source, object, type, reason
 * and message) is not recorded again: the earlier one's count and lastTimestamp go up, which is
 * what {@code kubectl describe} shows as "(x5 over 2m)".
 */
public final class EventRecorder implements AutoCloseable {

  public static final String NORMAL = "Normal";
  public static final String WARNING = "Warning";

  private static final Logger LOG = LoggerFactory.getLogger(EventRecorder.class);
  private static final AtomicLong UNIQUE = new AtomicLong();
  /** Drops come in floods when the API is saturated: one warning per interval, with the count. */
  private static final long DROP_WARNING_INTERVAL_NANOS = TimeUnit.SECONDS.toNanos(10);
  /** One instance: the abort policy's would describe the executor (under its lock) for every drop. */
  private static final RejectedExecutionException BACKLOG_FULL = new RejectedExecutionException("event backlog full");
  private static final int SENDERS = 16;
  private static final int BACKLOG = 1000;

  private final KubernetesClient client;
  private final String component;
  private final String instance;
  /** Senders by key, so that one event's create and the patches counting it go out in order. */
  private final ThreadPoolExecutor[] senders;
  private final Correlator correlator;
  private final AtomicLong dropped = new AtomicLong();
  private final AtomicLong lastDropWarning = new AtomicLong(System.nanoTime() - DROP_WARNING_INTERVAL_NANOS);

  /** What makes two events the same one (client-go's EventAggregatorByReasonFunc plus the message). */
  private record Key(String component, String namespace, String kind, String name, String uid, String type, String reason,
      String message) {}

  private record Seen(String eventName, String namespace, int count) {}

  /** The events recorded lately, least recently used dropped first, as client-go's LRU of 4096. */
  private static final class Correlator {
    private static final int SIZE = 4096;
    private final java.util.LinkedHashMap<Key, Seen> seen = new java.util.LinkedHashMap<>(64, 0.75f, true) {
      @Override
      protected boolean removeEldestEntry(java.util.Map.Entry<Key, Seen> eldest) {
        return size() > SIZE;
      }
    };
  }

  public EventRecorder(KubernetesClient client, String component, String instance) {
    this(client, component, instance, senders(component), new Correlator());
  }

  /**
   * A bounded backlog of 1,000 events in all, as the broadcaster's channel, and a few senders:
   * client-go writes each event from a goroutine of its own; one sender managed about a tenth of
   * the Scheduled events of a scheduler binding 500 pods a second and dropped the rest.
   */
  private static ThreadPoolExecutor[] senders(String component) {
    ThreadPoolExecutor[] senders = new ThreadPoolExecutor[SENDERS];
    for (int i = 0; i < SENDERS; i++) {
      senders[i] = new ThreadPoolExecutor(1, 1, 0, TimeUnit.SECONDS, new ArrayBlockingQueue<>(BACKLOG / SENDERS),
          r -> Thread.ofVirtual().name("events-" + component).unstarted(r), (r, e) -> {
            throw BACKLOG_FULL;
          });
    }
    return senders;
  }

  private EventRecorder(KubernetesClient client, String component, String instance, ThreadPoolExecutor[] senders, Correlator correlator) {
    this.client = client;
    this.component = component;
    this.instance = instance;
    this.senders = senders;
    this.correlator = correlator;
  }

  /**
   * A recorder that signs its events as {@code component} (Kubernetes' "deployment-controller",
   * the FROM column of kubectl describe), sharing this one's sender; closing it closes the sender.
   */
  public EventRecorder forComponent(String component) {
    return new EventRecorder(client, component, instance, senders, correlator);
  }

  /** Records an event of {@code type} ({@link #NORMAL} or {@link #WARNING}) about {@code object}. */
  public void event(HasMetadata object, String type, String reason, String message) {
    Event event = build(object, type, reason, message);
    var m = object.getMetadata();
    Key key = new Key(component, event.getMetadata().getNamespace(), object.getKind(), m.getName(), m.getUid(), type, reason, message);
    Seen prior;
    // Decided here, in call order; the key's sender then sends the create before the patches that count it.
    synchronized (correlator) {
      prior = correlator.seen.get(key);
      correlator.seen.put(key, prior == null ? new Seen(event.getMetadata().getName(), event.getMetadata().getNamespace(), 1)
          : new Seen(prior.eventName(), prior.namespace(), prior.count() + 1));
    }
    ThreadPoolExecutor sender = senders[Math.floorMod(key.hashCode(), senders.length)];
    try {
      if (prior == null) sender.execute(() -> send(event));
      else sender.execute(() -> count(key, prior.eventName(), prior.namespace(), prior.count() + 1, event));
    } catch (RejectedExecutionException e) {
      dropped(reason, object);
    }
  }

  private void dropped(String reason, HasMetadata object) {
    dropped.incrementAndGet();
    long last = lastDropWarning.get();
    long now = System.nanoTime();
    if (now - last >= DROP_WARNING_INTERVAL_NANOS && lastDropWarning.compareAndSet(last, now)) {
      LOG.warn("events dropped, the API is not keeping up: dropped={} latest reason={} object={}", dropped.getAndSet(0), reason,
          Keys.of(object));
    }
  }

  /** Raises an earlier identical event's count; if it is gone (expired, deleted), records this one anew. */
  private void count(Key key, String name, String namespace, int count, Event fresh) {
    String patch = "{\"count\":" + count + ",\"lastTimestamp\":\"" + fresh.getLastTimestamp() + "\"}";
    try {
      MergePatch.apply(client.v1().events(), new Event(), namespace, name, null, patch);
    } catch (KubernetesClientException e) {
      if (e.getCode() != 404) {
        LOG.debug("event count not updated: reason={} code={} error={}", fresh.getReason(), e.getCode(), e.getMessage());
        return;
      }
      synchronized (correlator) {
        correlator.seen.put(key, new Seen(fresh.getMetadata().getName(), fresh.getMetadata().getNamespace(), 1));
      }
      send(fresh);
    }
  }

  Event build(HasMetadata object, String type, String reason, String message) {
    Instant now = Instant.now();
    String namespace = object.getMetadata().getNamespace();
    // Events about cluster-scoped objects live in "default", as Kubernetes records them.
    if (namespace == null || namespace.isEmpty()) namespace = "default";
    // Kubernetes names events <object>.<unix nanos in hex>; a counter keeps two in one tick apart.
    long nanos = now.getEpochSecond() * 1_000_000_000L + now.getNano() + UNIQUE.incrementAndGet() % 1000;
    String timestamp = DateTimeFormatter.ISO_INSTANT.format(now.truncatedTo(ChronoUnit.SECONDS));
    return new EventBuilder()
        .withNewMetadata().withName(object.getMetadata().getName() + "." + Long.toHexString(nanos)).withNamespace(namespace).endMetadata()
        .withNewInvolvedObject()
        .withApiVersion(object.getApiVersion()).withKind(object.getKind()).withNamespace(object.getMetadata().getNamespace())
        .withName(object.getMetadata().getName()).withUid(object.getMetadata().getUid())
        .withResourceVersion(object.getMetadata().getResourceVersion())
        .endInvolvedObject()
        .withType(type).withReason(reason).withMessage(message)
        .withNewSource().withComponent(component).endSource()
        .withFirstTimestamp(timestamp).withLastTimestamp(timestamp).withCount(1)
        .withReportingComponent(component).withReportingInstance(instance)
        .build();
  }

  private void send(Event event) {
    try {
      client.v1().events().inNamespace(event.getMetadata().getNamespace()).resource(event).create();
    } catch (KubernetesClientException e) {
      // A terminating namespace refuses new events; nothing to retry for.
      LOG.debug("event not recorded: reason={} code={} error={}", event.getReason(), e.getCode(), e.getMessage());
    }
  }

  @Override
  public void close() {
    for (ThreadPoolExecutor sender : senders) sender.shutdown();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(2);
    try {
      for (ThreadPoolExecutor sender : senders) sender.awaitTermination(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    for (ThreadPoolExecutor sender : senders) sender.shutdownNow();
  }
}
