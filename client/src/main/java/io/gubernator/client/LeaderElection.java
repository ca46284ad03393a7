package io.gubernator.client;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.extended.leaderelection.LeaderCallbacks;
import io.fabric8.kubernetes.client.extended.leaderelection.LeaderElectionConfigBuilder;
import io.fabric8.kubernetes.client.extended.leaderelection.resourcelock.LeaseLock;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs a component only while this process holds its Lease in kube-system, as kube-scheduler and
 * kube-controller-manager do (--leader-elect): several servers may run the same components, one
 * of them acts. Losing the lease stops the component and this process campaigns again; closing
 * releases the lease, so that a restarted server does not wait for it to expire.
 */
public final class LeaderElection implements AutoCloseable {

  /** client-go's defaults: 15 s lease, 10 s renew deadline, 2 s between tries. */
  public record Options(Duration leaseDuration, Duration renewDeadline, Duration retryPeriod) {
    public static Options defaults() {
      return new Options(Duration.ofSeconds(15), Duration.ofSeconds(10), Duration.ofSeconds(2));
    }
  }

  public static final String NAMESPACE = "kube-system";

  private static final Logger LOG = LoggerFactory.getLogger(LeaderElection.class);

  private final KubernetesClient client;
  private final String leaseName;
  private final String identity;
  private final Options options;
  private final Supplier<? extends AutoCloseable> component;
  private AutoCloseable running;
  private CompletableFuture<?> election;
  private boolean closed;

  private LeaderElection(KubernetesClient client, String leaseName, String identity, Options options,
      Supplier<? extends AutoCloseable> component) {
    this.client = client;
    this.leaseName = leaseName;
    this.identity = identity;
    this.options = options;
    this.component = component;
  }

  /** Campaigns for {@code kube-system/<leaseName>} as {@code identity}; {@code component} starts when elected. */
  public static LeaderElection start(KubernetesClient client, String leaseName, String identity, Options options,
      Supplier<? extends AutoCloseable> component) {
    LeaderElection e = new LeaderElection(client, leaseName, identity, options, component);
    e.campaign();
    return e;
  }

  private synchronized void campaign() {
    if (closed) return;
    election = client.leaderElector().withConfig(new LeaderElectionConfigBuilder()
        .withName(leaseName)
        .withLock(new LeaseLock(NAMESPACE, leaseName, identity))
        .withLeaseDuration(options.leaseDuration())
        .withRenewDeadline(options.renewDeadline())
        .withRetryPeriod(options.retryPeriod())
        .withReleaseOnCancel()
        .withLeaderCallbacks(new LeaderCallbacks(this::startedLeading, this::stoppedLeading,
            leader -> LOG.info("leader is now: lease={} holder={}", leaseName, leader)))
        .build()).build().start();
    // A lost lease ends this election; a new one starts so this process can lead again later.
    election.whenComplete((v, e) -> {
      synchronized (this) {
        if (closed) return;
      }
      LOG.info("election ended, campaigning again: lease={}", leaseName);
      campaign();
    });
  }

  private synchronized void startedLeading() {
    if (closed || running != null) return;
    LOG.info("became leader: lease={} identity={}", leaseName, identity);
    running = component.get();
  }

  private void stoppedLeading() {
    AutoCloseable stop;
    synchronized (this) {
      stop = running;
      running = null;
    }
    if (stop == null) return;
    LOG.warn("leadership lost, stopping: lease={} identity={}", leaseName, identity);
    closeQuietly(stop);
  }

  public synchronized boolean isLeader() {
    return running != null;
  }

  /** The component while this process leads, else null. */
  public synchronized AutoCloseable component() {
    return running;
  }

  private static void closeQuietly(AutoCloseable c) {
    try {
      c.close();
    } catch (Exception e) {
      LOG.warn("component did not stop cleanly: error={}", e.toString());
    }
  }

  /** Stops the component (if leading), then gives the lease up. */
  @Override
  public void close() {
    AutoCloseable stop;
    CompletableFuture<?> e;
    synchronized (this) {
      closed = true;
      stop = running;
      running = null;
      e = election;
    }
    if (stop != null) closeQuietly(stop);
    if (e != null) e.cancel(true);
  }
}
