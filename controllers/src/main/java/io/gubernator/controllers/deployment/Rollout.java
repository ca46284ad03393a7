package io.gubernator.controllers.deployment;

import static io.gubernator.controllers.deployment.DeploymentUtil.available;
import static io.gubernator.controllers.deployment.DeploymentUtil.replicas;
import static io.gubernator.controllers.deployment.DeploymentUtil.statusReplicas;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentCondition;
import io.fabric8.kubernetes.api.model.apps.DeploymentStatus;
import io.fabric8.kubernetes.api.model.apps.ReplicaSet;
import io.fabric8.kubernetes.api.model.apps.ReplicaSetCondition;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.gubernator.client.EventRecorder;
import io.gubernator.client.Keys;
import io.gubernator.controllers.ControllerRefs;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One sync of one Deployment ({@code rolling.go}, {@code recreate.go}, {@code sync.go},
 * {@code progress.go}). Holds the Deployment as last written, so that a metadata update followed
 * by a status update in the same sync does not conflict with itself.
 */
final class Rollout {

  private static final Logger LOG = LoggerFactory.getLogger(Rollout.class);
  private static final Set<String> NOT_COPIED = Set.of(DeploymentUtil.LAST_APPLIED, DeploymentUtil.REVISION,
      DeploymentUtil.REVISION_HISTORY, DeploymentUtil.DESIRED_REPLICAS, DeploymentUtil.MAX_REPLICAS);

  private final DeploymentController dc;
  Deployment d;

  Rollout(DeploymentController dc, Deployment d) {
    this.dc = dc;
    this.d = d;
  }

  private record Sets(ReplicaSet newRS, List<ReplicaSet> old) {
    List<ReplicaSet> all() {
      List<ReplicaSet> all = new ArrayList<>(old);
      if (newRS != null) all.add(newRS);
      return all;
    }
  }

  // ------------------------------------------------------------------ strategies

  void rolloutRolling(List<ReplicaSet> owned) {
    Sets s = allReplicaSets(owned, true);
    ReplicaSet newRS = s.newRS();
    List<ReplicaSet> all = s.all();
    // Scale up the new ReplicaSet within the surge budget.
    if (replicas(newRS) != replicas(d)) {
      int target = replicas(newRS) > replicas(d) ? replicas(d) : DeploymentUtil.newRSNewReplicas(d, all, newRS);
      ReplicaSet scaled = scale(newRS, target);
      if (scaled != newRS) {
        syncRolloutStatus(replace(all, newRS, scaled), scaled);
        return;
      }
    }
    // Scale old ones down within the unavailability budget.
    List<ReplicaSet> oldActive = DeploymentController.byCreation(s.old().stream().filter(rs -> replicas(rs) > 0).toList());
    int oldPods = s.old().stream().mapToInt(DeploymentUtil::replicas).sum();
    if (oldPods > 0) {
      int allPods = all.stream().mapToInt(DeploymentUtil::replicas).sum();
      int minAvailable = replicas(d) - DeploymentUtil.maxUnavailable(d);
      int newUnavailable = replicas(newRS) - available(newRS);
      int maxScaledDown = allPods - minAvailable - newUnavailable;
      if (maxScaledDown > 0) {
        int cleaned = 0;
        List<ReplicaSet> current = new ArrayList<>(oldActive);
        // First the old pods that are not available anyway: removing them costs no availability.
        for (int i = 0; i < current.size() && cleaned < maxScaledDown; i++) {
          ReplicaSet rs = current.get(i);
          int unhealthy = replicas(rs) - available(rs);
          if (replicas(rs) == 0 || unhealthy <= 0) continue;
          int down = Math.min(maxScaledDown - cleaned, unhealthy);
          current.set(i, scale(rs, replicas(rs) - down));
          cleaned += down;
        }
        // Then available old pods, as long as minAvailable holds.
        int availableNow = all.stream().mapToInt(DeploymentUtil::available).sum();
        int budget = availableNow - minAvailable;
        int scaledDown = 0;
        for (int i = 0; i < current.size() && scaledDown < budget; i++) {
          ReplicaSet rs = current.get(i);
          if (replicas(rs) == 0) continue;
          int down = Math.min(replicas(rs), budget - scaledDown);
          current.set(i, scale(rs, replicas(rs) - down));
          scaledDown += down;
        }
        if (cleaned + scaledDown > 0) {
          List<ReplicaSet> updated = new ArrayList<>(current);
          s.old().stream().filter(rs -> replicas(rs) == 0).forEach(updated::add);
          updated.add(newRS);
          syncRolloutStatus(updated, newRS);
          return;
        }
      }
    }
    if (complete(calculateStatus(all, newRS))) cleanup(s.old());
    syncRolloutStatus(all, newRS);
  }

  void rolloutRecreate(List<ReplicaSet> owned, Map<String, List<Pod>> podsByRS) {
    Sets s = allReplicaSets(owned, false);
    List<ReplicaSet> all = new ArrayList<>(s.all());
    boolean scaledDown = false;
    for (ReplicaSet rs : s.old()) {
      if (replicas(rs) == 0) continue;
      ReplicaSet scaled = scale(rs, 0);
      all = replace(all, rs, scaled);
      scaledDown = true;
    }
    if (scaledDown) {
      syncRolloutStatus(all, s.newRS());
      return;
    }
    if (oldPodsRunning(s, podsByRS)) {
      syncRolloutStatus(all, s.newRS());
      return;
    }
    ReplicaSet newRS = s.newRS();
    if (newRS == null) {
      s = allReplicaSets(owned, true);
      newRS = s.newRS();
      all = s.all();
    }
    ReplicaSet scaled = scale(newRS, replicas(d));
    all = replace(all, newRS, scaled);
    if (complete(calculateStatus(all, scaled))) cleanup(s.old());
    syncRolloutStatus(all, scaled);
  }

  /** {@code oldPodsRunning}: Recreate starts new pods only once no old pod is left (or all finished). */
  private static boolean oldPodsRunning(Sets s, Map<String, List<Pod>> podsByRS) {
    if (s.old().stream().mapToInt(DeploymentUtil::statusReplicas).sum() > 0) return true;
    String newUid = s.newRS() == null ? null : s.newRS().getMetadata().getUid();
    for (Map.Entry<String, List<Pod>> e : podsByRS.entrySet()) {
      if (e.getKey().equals(newUid)) continue;
      for (Pod p : e.getValue()) {
        String phase = p.getStatus() == null ? null : p.getStatus().getPhase();
        if (!"Succeeded".equals(phase) && !"Failed".equals(phase)) return true;
      }
    }
    return false;
  }

  /** {@code sync}: for a paused Deployment or a resize, scale without rolling out a new template. */
  void scaleSync(List<ReplicaSet> owned) {
    Sets s = allReplicaSets(owned, false);
    List<ReplicaSet> all = scaleProportionally(s);
    if (Boolean.TRUE.equals(d.getSpec().getPaused())) cleanup(s.old());
    ReplicaSet newRS = s.newRS() == null ? null
        : all.stream().filter(rs -> rs.getMetadata().getUid().equals(s.newRS().getMetadata().getUid())).findFirst().orElse(null);
    writeStatus(calculateStatus(all, newRS));
  }

  void syncStatusOnly(List<ReplicaSet> owned) {
    Sets s = allReplicaSets(owned, false);
    writeStatus(calculateStatus(s.all(), s.newRS()));
  }

  /** {@code isScalingEvent}: an active ReplicaSet was sized for a different replica count than the Deployment's. */
  boolean isScalingEvent(List<ReplicaSet> owned) {
    Sets s = allReplicaSets(owned, false);
    for (ReplicaSet rs : s.all()) {
      if (replicas(rs) == 0) continue;
      String desired = annotation(rs, DeploymentUtil.DESIRED_REPLICAS);
      if (desired != null && !desired.equals(Integer.toString(replicas(d)))) return true;
    }
    return false;
  }

  /** {@code scale}: one active ReplicaSet takes the new size; several share the change in proportion to their size. */
  private List<ReplicaSet> scaleProportionally(Sets s) {
    List<ReplicaSet> all = s.all();
    List<ReplicaSet> active = all.stream().filter(rs -> replicas(rs) > 0).toList();
    ReplicaSet target = active.size() == 1 ? active.get(0)
        : active.isEmpty() ? (s.newRS() != null ? s.newRS() : DeploymentController.byCreation(s.old()).reversed().stream().findFirst().orElse(null))
        : null;
    if (target != null || active.isEmpty()) {
      if (target == null) return all;
      return replace(all, target, scale(target, replicas(d)));
    }
    ReplicaSet newRS = s.newRS();
    if (newRS != null && replicas(newRS) == replicas(d) && available(newRS) == replicas(d)) {
      // Saturated: the new one is complete, old ones go to zero.
      for (ReplicaSet rs : active) if (rs != newRS) all = replace(all, rs, scale(rs, 0));
      return all;
    }
    int allowed = replicas(d) > 0 ? replicas(d) + DeploymentUtil.maxSurge(d) : 0;
    int current = active.stream().mapToInt(DeploymentUtil::replicas).sum();
    int toAdd = allowed - current;
    if (toAdd == 0) return all;
    // Growing: largest (then newest) first; shrinking: largest (then oldest) first.
    Comparator<ReplicaSet> bySize = Comparator.comparingInt((ReplicaSet rs) -> replicas(rs)).reversed();
    List<ReplicaSet> ordered = new ArrayList<>(DeploymentController.byCreation(active));
    if (toAdd > 0) ordered = new ArrayList<>(ordered.reversed());
    ordered.sort(bySize);
    Map<ReplicaSet, Integer> sizes = new HashMap<>();
    int added = 0;
    for (ReplicaSet rs : ordered) {
      int proportion = 0;
      if (added != toAdd) {
        int annotatedMax = parse(annotation(rs, DeploymentUtil.MAX_REPLICAS),
            d.getStatus() == null || d.getStatus().getReplicas() == null ? current : d.getStatus().getReplicas());
        int fraction = annotatedMax == 0 ? 0 : (int) Math.round(replicas(rs) * (double) allowed / annotatedMax) - replicas(rs);
        int left = toAdd - added;
        proportion = toAdd > 0 ? Math.min(fraction, left) : Math.max(fraction, left);
      }
      sizes.put(rs, replicas(rs) + proportion);
      added += proportion;
    }
    // The rounding leftover goes to the largest.
    ReplicaSet first = ordered.get(0);
    sizes.put(first, Math.max(0, sizes.get(first) + toAdd - added));
    for (ReplicaSet rs : ordered) all = replace(all, rs, scale(rs, sizes.get(rs)));
    return all;
  }

  // ------------------------------------------------------------------ ReplicaSets

  /** {@code getAllReplicaSetsAndSyncRevision}: the new ReplicaSet (the oldest whose template matches) and the old ones. */
  private Sets allReplicaSets(List<ReplicaSet> owned, boolean createIfMissing) {
    ReplicaSet existing = null;
    List<ReplicaSet> old = new ArrayList<>();
    for (ReplicaSet rs : DeploymentController.byCreation(owned)) {
      if (existing == null && DeploymentUtil.equalIgnoreHash(rs.getSpec().getTemplate(), d.getSpec().getTemplate())) existing = rs;
      else old.add(rs);
    }
    long newRevision = DeploymentUtil.maxRevision(old) + 1;
    if (existing != null) {
      ReplicaSet copy = dc.client.getKubernetesSerialization().clone(existing);
      boolean changed = setNewReplicaSetAnnotations(copy, newRevision);
      if (!Objects.equals(copy.getSpec().getMinReadySeconds(), d.getSpec().getMinReadySeconds())) {
        copy.getSpec().setMinReadySeconds(d.getSpec().getMinReadySeconds());
        changed = true;
      }
      if (changed) existing = dc.updateReplicaSet(copy);
      d = dc.setDeploymentRevision(d, Long.toString(DeploymentUtil.revision(existing)));
      if (hasProgressDeadline() && DeploymentUtil.condition(d.getStatus(), "Progressing") == null) {
        DeploymentStatus status = copyStatus();
        DeploymentUtil.setCondition(status, "Progressing", "True", "FoundNewReplicaSet",
            "Found new replica set \"" + existing.getMetadata().getName() + "\"");
        writeStatus(status);
      }
      return new Sets(existing, old);
    }
    if (!createIfMissing) return new Sets(null, old);

    Integer collisions = d.getStatus() == null ? null : d.getStatus().getCollisionCount();
    String hash = DeploymentUtil.computeHash(d.getSpec().getTemplate(), collisions);
    ReplicaSet rs = dc.newReplicaSetSkeleton(d, hash);
    List<ReplicaSet> withNew = new ArrayList<>(old);
    withNew.add(rs);
    int size = DeploymentUtil.newRSNewReplicas(d, withNew, rs);
    rs.getSpec().setReplicas(size);
    setNewReplicaSetAnnotations(rs, newRevision);
    setReplicasAnnotations(rs);
    ReplicaSet created;
    try {
      created = dc.client.apps().replicaSets().inNamespace(rs.getMetadata().getNamespace()).resource(rs).create();
    } catch (KubernetesClientException e) {
      if (e.getCode() != 409) throw e;
      ReplicaSet found = dc.client.apps().replicaSets().inNamespace(rs.getMetadata().getNamespace()).withName(rs.getMetadata().getName()).get();
      var ref = found == null ? null : ControllerRefs.controllerOf(found);
      if (found != null && ref != null && ref.getUid().equals(d.getMetadata().getUid())
          && DeploymentUtil.equalIgnoreHash(found.getSpec().getTemplate(), d.getSpec().getTemplate())) {
        // Ours, created by an earlier sync the cache has not shown yet.
        return new Sets(found, old);
      }
      // A different object holds the name: hash again with a higher collision count.
      DeploymentStatus status = copyStatus();
      status.setCollisionCount(collisions == null ? 1 : collisions + 1);
      writeStatus(status);
      throw new IllegalStateException("hash collision for " + rs.getMetadata().getName() + ": collisionCount now " + status.getCollisionCount());
    }
    LOG.info("created replicaset: deployment={} replicaset={} replicas={}", Keys.of(d), created.getMetadata().getName(), size);
    if (size > 0) {
      dc.events.event(d, EventRecorder.NORMAL, "ScalingReplicaSet",
          "Scaled up replica set " + created.getMetadata().getName() + " from 0 to " + size);
    }
    d = dc.setDeploymentRevision(d, Long.toString(newRevision));
    if (hasProgressDeadline()) {
      DeploymentStatus status = copyStatus();
      DeploymentUtil.setCondition(status, "Progressing", "True", "NewReplicaSetCreated",
          "Created new replica set \"" + created.getMetadata().getName() + "\"");
      writeStatus(status);
    }
    return new Sets(created, old);
  }

  /** {@code SetNewReplicaSetAnnotations}: the Deployment's own annotations, and the new revision if it is higher. */
  private boolean setNewReplicaSetAnnotations(ReplicaSet rs, long newRevision) {
    Map<String, String> a = new HashMap<>(rs.getMetadata().getAnnotations() == null ? Map.of() : rs.getMetadata().getAnnotations());
    Map<String, String> before = Map.copyOf(a);
    if (d.getMetadata().getAnnotations() != null) {
      d.getMetadata().getAnnotations().forEach((k, v) -> {
        if (!NOT_COPIED.contains(k)) a.put(k, v);
      });
    }
    if (DeploymentUtil.revision(rs) < newRevision) a.put(DeploymentUtil.REVISION, Long.toString(newRevision));
    rs.getMetadata().setAnnotations(a);
    return !a.equals(before);
  }

  /** {@code SetReplicasAnnotations}: the size the ReplicaSet was scaled for, read back by proportional scaling. */
  private boolean setReplicasAnnotations(ReplicaSet rs) {
    Map<String, String> a = new HashMap<>(rs.getMetadata().getAnnotations() == null ? Map.of() : rs.getMetadata().getAnnotations());
    String desired = Integer.toString(replicas(d));
    String max = Integer.toString(replicas(d) + DeploymentUtil.maxSurge(d));
    boolean changed = !desired.equals(a.put(DeploymentUtil.DESIRED_REPLICAS, desired));
    changed |= !max.equals(a.put(DeploymentUtil.MAX_REPLICAS, max));
    rs.getMetadata().setAnnotations(a);
    return changed;
  }

  /** {@code scaleReplicaSetAndRecordEvent}: resizes (and re-annotates) the ReplicaSet; returns it as written, or unchanged. */
  private ReplicaSet scale(ReplicaSet rs, int size) {
    ReplicaSet copy = dc.client.getKubernetesSerialization().clone(rs);
    boolean resize = replicas(rs) != size;
    boolean annotate = setReplicasAnnotations(copy);
    if (!resize && !annotate) return rs;
    copy.getSpec().setReplicas(size);
    ReplicaSet written = dc.updateReplicaSet(copy);
    if (resize) {
      String direction = size > replicas(rs) ? "up" : "down";
      dc.events.event(d, EventRecorder.NORMAL, "ScalingReplicaSet", "Scaled " + direction + " replica set "
          + rs.getMetadata().getName() + " from " + replicas(rs) + " to " + size);
      LOG.info("scaled replicaset: deployment={} replicaset={} from={} to={}", Keys.of(d), rs.getMetadata().getName(), replicas(rs), size);
    }
    return written;
  }

  /** {@code cleanupDeployment}: deletes the oldest fully scaled-down ReplicaSets beyond revisionHistoryLimit. */
  private void cleanup(List<ReplicaSet> old) {
    Integer limit = d.getSpec().getRevisionHistoryLimit();
    if (limit == null) return;
    List<ReplicaSet> alive = old.stream().filter(rs -> !ControllerRefs.beingDeleted(rs))
        .sorted(Comparator.comparingLong(DeploymentUtil::revision).thenComparing(rs -> rs.getMetadata().getName())).toList();
    int diff = alive.size() - limit;
    for (int i = 0; i < diff; i++) {
      ReplicaSet rs = alive.get(i);
      long observed = rs.getStatus() == null || rs.getStatus().getObservedGeneration() == null ? 0 : rs.getStatus().getObservedGeneration();
      long generation = rs.getMetadata().getGeneration() == null ? 0 : rs.getMetadata().getGeneration();
      if (statusReplicas(rs) != 0 || replicas(rs) != 0 || generation > observed) continue;
      try {
        dc.client.apps().replicaSets().inNamespace(rs.getMetadata().getNamespace()).withName(rs.getMetadata().getName()).delete();
        LOG.info("deleted old replicaset: deployment={} replicaset={} revision={}", Keys.of(d), rs.getMetadata().getName(), DeploymentUtil.revision(rs));
      } catch (KubernetesClientException e) {
        if (e.getCode() != 404) throw e;
      }
    }
  }

  // ------------------------------------------------------------------ status

  boolean hasProgressDeadline() {
    Integer p = d.getSpec().getProgressDeadlineSeconds();
    return p != null && p != Integer.MAX_VALUE;
  }

  private DeploymentStatus copyStatus() {
    return d.getStatus() == null ? new DeploymentStatus() : dc.client.getKubernetesSerialization().clone(d.getStatus());
  }

  /** {@code calculateStatus}: counts from the ReplicaSets, and the Available condition. */
  private DeploymentStatus calculateStatus(List<ReplicaSet> all, ReplicaSet newRS) {
    DeploymentStatus status = copyStatus();
    status.setObservedGeneration(d.getMetadata().getGeneration());
    status.setReplicas(all.stream().mapToInt(DeploymentUtil::statusReplicas).sum());
    status.setUpdatedReplicas(newRS == null ? 0 : statusReplicas(newRS));
    status.setReadyReplicas(all.stream().mapToInt(DeploymentUtil::ready).sum());
    int availableCount = all.stream().mapToInt(DeploymentUtil::available).sum();
    status.setAvailableReplicas(availableCount);
    status.setUnavailableReplicas(Math.max(0, all.stream().mapToInt(DeploymentUtil::replicas).sum() - availableCount));
    if (availableCount >= replicas(d) - DeploymentUtil.maxUnavailable(d)) {
      DeploymentUtil.setCondition(status, "Available", "True", "MinimumReplicasAvailable", "Deployment has minimum availability.");
    } else {
      DeploymentUtil.setCondition(status, "Available", "False", "MinimumReplicasUnavailable", "Deployment does not have minimum availability.");
    }
    return status;
  }

  /** {@code DeploymentComplete}: every replica updated and available, and the latest spec observed. */
  private boolean complete(DeploymentStatus s) {
    long generation = d.getMetadata().getGeneration() == null ? 0 : d.getMetadata().getGeneration();
    return nz(s.getUpdatedReplicas()) == replicas(d) && nz(s.getReplicas()) == replicas(d)
        && nz(s.getAvailableReplicas()) == replicas(d) && (s.getObservedGeneration() == null ? 0 : s.getObservedGeneration()) >= generation;
  }

  private static int nz(Integer i) {
    return i == null ? 0 : i;
  }

  /** {@code syncRolloutStatus}: the Progressing condition by progress, completion or the deadline, and ReplicaFailure from the new ReplicaSet. */
  private void syncRolloutStatus(List<ReplicaSet> all, ReplicaSet newRS) {
    DeploymentStatus old = d.getStatus() == null ? new DeploymentStatus() : d.getStatus();
    DeploymentStatus status = calculateStatus(all, newRS);
    if (!hasProgressDeadline()) DeploymentUtil.removeCondition(status, "Progressing");
    DeploymentCondition current = DeploymentUtil.condition(status, "Progressing");
    boolean alreadyComplete = nz(status.getReplicas()) == nz(status.getUpdatedReplicas()) && current != null
        && "NewReplicaSetAvailable".equals(current.getReason());
    String rsName = newRS == null ? null : newRS.getMetadata().getName();
    if (hasProgressDeadline() && !alreadyComplete) {
      if (complete(status)) {
        DeploymentUtil.setCondition(status, "Progressing", "True", "NewReplicaSetAvailable",
            "ReplicaSet \"" + rsName + "\" has successfully progressed.");
      } else if (progressing(old, status)) {
        DeploymentUtil.setCondition(status, "Progressing", "True", "ReplicaSetUpdated",
            rsName == null ? "Deployment is progressing." : "ReplicaSet \"" + rsName + "\" is progressing.");
      } else if (timedOut(status)) {
        DeploymentUtil.setCondition(status, "Progressing", "False", "ProgressDeadlineExceeded",
            "ReplicaSet \"" + rsName + "\" has timed out progressing.");
      }
    }
    ReplicaSetCondition failure = newRS == null || newRS.getStatus() == null || newRS.getStatus().getConditions() == null ? null
        : newRS.getStatus().getConditions().stream().filter(c -> "ReplicaFailure".equals(c.getType())).findFirst().orElse(null);
    if (failure != null) DeploymentUtil.setCondition(status, "ReplicaFailure", failure.getStatus(), failure.getReason(), failure.getMessage());
    else DeploymentUtil.removeCondition(status, "ReplicaFailure");
    writeStatus(status);
    // Look again when the deadline would pass, to report ProgressDeadlineExceeded without an event to wake us.
    DeploymentCondition progressing = DeploymentUtil.condition(status, "Progressing");
    if (hasProgressDeadline() && !complete(status) && progressing != null && "True".equals(progressing.getStatus())
        && progressing.getLastUpdateTime() != null) {
      Instant deadline = Instant.parse(progressing.getLastUpdateTime()).plusSeconds(d.getSpec().getProgressDeadlineSeconds());
      Duration wait = Duration.between(Instant.now(), deadline).plusSeconds(1);
      dc.controller.enqueueAfter(Keys.of(d), wait.isNegative() ? Duration.ofSeconds(1) : wait);
    }
  }

  private static boolean progressing(DeploymentStatus old, DeploymentStatus now) {
    int oldOld = nz(old.getReplicas()) - nz(old.getUpdatedReplicas());
    int newOld = nz(now.getReplicas()) - nz(now.getUpdatedReplicas());
    return nz(now.getUpdatedReplicas()) > nz(old.getUpdatedReplicas()) || newOld < oldOld
        || nz(now.getReadyReplicas()) > nz(old.getReadyReplicas()) || nz(now.getAvailableReplicas()) > nz(old.getAvailableReplicas());
  }

  private boolean timedOut(DeploymentStatus status) {
    DeploymentCondition c = DeploymentUtil.condition(status, "Progressing");
    if (c == null || "NewReplicaSetAvailable".equals(c.getReason())) return false;
    if ("ProgressDeadlineExceeded".equals(c.getReason())) return true;
    if (c.getLastUpdateTime() == null) return false;
    return Instant.parse(c.getLastUpdateTime()).plusSeconds(d.getSpec().getProgressDeadlineSeconds()).isBefore(Instant.now());
  }

  /** {@code checkPausedConditions}: Progressing=Unknown with DeploymentPaused / DeploymentResumed. */
  void checkPausedConditions() {
    if (!hasProgressDeadline()) return;
    DeploymentCondition c = DeploymentUtil.condition(d.getStatus(), "Progressing");
    boolean pausedShown = c != null && "DeploymentPaused".equals(c.getReason());
    boolean paused = Boolean.TRUE.equals(d.getSpec().getPaused());
    if (paused == pausedShown) return;
    DeploymentStatus status = copyStatus();
    if (paused) DeploymentUtil.setCondition(status, "Progressing", "Unknown", "DeploymentPaused", "Deployment is paused");
    else DeploymentUtil.setCondition(status, "Progressing", "Unknown", "DeploymentResumed", "Deployment is resumed");
    writeStatus(status);
  }

  private void writeStatus(DeploymentStatus status) {
    if (Objects.equals(d.getStatus(), status)) return;
    d = dc.updateDeploymentStatus(d, status);
  }

  // ------------------------------------------------------------------ helpers

  private static List<ReplicaSet> replace(List<ReplicaSet> all, ReplicaSet before, ReplicaSet after) {
    List<ReplicaSet> out = new ArrayList<>(all.size());
    for (ReplicaSet rs : all) out.add(rs.getMetadata().getUid().equals(before.getMetadata().getUid()) ? after : rs);
    return out;
  }

  private static String annotation(ReplicaSet rs, String key) {
    return rs.getMetadata().getAnnotations() == null ? null : rs.getMetadata().getAnnotations().get(key);
  }

  private static int parse(String s, int fallback) {
    if (s == null) return fallback;
    try {
      return Integer.parseInt(s);
    } catch (NumberFormatException e) {
      return fallback;
    }
  }
}
