package io.gubernator.scheduler.framework;

import io.fabric8.kubernetes.api.model.Pod;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A scheduling profile (Kubernetes' frameworkImpl): the enabled plugins at each extension point
 * in order, with score weights, and the loops that run them. Holds no cluster state.
 */
public final class Framework {

  private final String schedulerName;
  private final Plugin.QueueSort queueSort;
  private final List<Plugin.PreFilter> preFilters = new ArrayList<>();
  private final List<Plugin.Filter> filters = new ArrayList<>();
  private final List<Plugin.PostFilter> postFilters = new ArrayList<>();
  private final List<Plugin.PreScore> preScores = new ArrayList<>();
  private final List<Plugin.Score> scores = new ArrayList<>();
  private final List<Integer> weights = new ArrayList<>();
  private final List<Plugin.Reserve> reserves = new ArrayList<>();
  private final List<Plugin.Permit> permits = new ArrayList<>();
  private final List<Plugin.Bind> binds = new ArrayList<>();

  /**
   * @param plugins each plugin is registered at every extension point it implements, in list order
   * @param scoreWeights weight per Score plugin name (1 when absent), as the profile's pluginConfig
   */
  public Framework(String schedulerName, Plugin.QueueSort queueSort, List<? extends Plugin> plugins, Map<String, Integer> scoreWeights) {
    this.schedulerName = schedulerName;
    this.queueSort = queueSort;
    for (Plugin p : plugins) {
      if (p instanceof Plugin.PreFilter x) preFilters.add(x);
      if (p instanceof Plugin.Filter x) filters.add(x);
      if (p instanceof Plugin.PostFilter x) postFilters.add(x);
      if (p instanceof Plugin.PreScore x) preScores.add(x);
      if (p instanceof Plugin.Score x) {
        scores.add(x);
        weights.add(scoreWeights.getOrDefault(p.name(), 1));
      }
      if (p instanceof Plugin.Reserve x) reserves.add(x);
      if (p instanceof Plugin.Permit x) permits.add(x);
      if (p instanceof Plugin.Bind x) binds.add(x);
    }
    if (binds.isEmpty()) throw new IllegalArgumentException("a profile needs a Bind plugin");
  }

  public String schedulerName() {
    return schedulerName;
  }

  public Plugin.QueueSort queueSort() {
    return queueSort;
  }

  /** PreFilter plugins in order; the first rejection ends the cycle for every node. */
  public Status runPreFilter(CycleState state, Pod pod, PodRequests requests, List<NodeInfo> nodes, List<String> skipped) {
    for (Plugin.PreFilter p : preFilters) {
      Status s = p.preFilter(state, pod, requests, nodes);
      if (s.isSkip()) {
        skipped.add(p.name());
      } else if (!s.isSuccess()) {
        return s.withPlugin(p.name());
      }
    }
    return Status.success();
  }

  /** Filter plugins for one node; stops at the first that rejects, as Kubernetes does. */
  public Status runFilter(CycleState state, Pod pod, NodeInfo node, List<String> skipped) {
    for (Plugin.Filter p : filters) {
      if (!skipped.isEmpty() && skipped.contains(p.name())) continue;
      Status s = p.filter(state, pod, node);
      if (!s.isSuccess()) return s.withPlugin(p.name());
    }
    return Status.success();
  }

  /** PostFilter plugins until one succeeds; the rejections' reasons make the message. */
  public Status runPostFilter(CycleState state, Pod pod, List<NodeInfo> nodes, Map<String, Status> filtered) {
    List<String> reasons = new ArrayList<>();
    for (Plugin.PostFilter p : postFilters) {
      Status s = p.postFilter(this, state, pod, nodes, filtered);
      if (s.isSuccess()) return s.withPlugin(p.name());
      if (s.code() == Status.Code.ERROR) return s.withPlugin(p.name());
      reasons.addAll(s.reasons());
    }
    return Status.unschedulable(reasons);
  }

  /** PreScore, then every Score plugin over all feasible nodes, normalised and weighted. */
  public long[] runScore(CycleState state, Pod pod, List<NodeInfo> nodes) {
    for (Plugin.PreScore p : preScores) {
      Status s = p.preScore(state, pod, nodes);
      if (!s.isSuccess() && !s.isSkip()) throw new IllegalStateException("PreScore " + p.name() + ": " + s.message());
    }
    long[] total = new long[nodes.size()];
    long[] raw = new long[nodes.size()];
    for (int i = 0; i < scores.size(); i++) {
      Plugin.Score p = scores.get(i);
      for (int n = 0; n < nodes.size(); n++) raw[n] = p.score(state, pod, nodes.get(n));
      p.normalizeScore(state, pod, raw);
      int w = weights.get(i);
      for (int n = 0; n < nodes.size(); n++) total[n] += raw[n] * w;
    }
    return total;
  }

  public boolean hasScorePlugins() {
    return !scores.isEmpty();
  }

  /** Reserve plugins in order; on a failure the ones already run are unreserved in reverse. */
  public Status runReserve(CycleState state, Pod pod, String node) {
    for (int i = 0; i < reserves.size(); i++) {
      Status s = reserves.get(i).reserve(state, pod, node);
      if (!s.isSuccess()) {
        for (int j = i; j >= 0; j--) reserves.get(j).unreserve(state, pod, node);
        return s.withPlugin(reserves.get(i).name());
      }
    }
    return Status.success();
  }

  public void runUnreserve(CycleState state, Pod pod, String node) {
    for (int j = reserves.size() - 1; j >= 0; j--) reserves.get(j).unreserve(state, pod, node);
  }

  public Status runPermit(CycleState state, Pod pod, String node) {
    for (Plugin.Permit p : permits) {
      Status s = p.permit(state, pod, node);
      if (!s.isSuccess()) return s.withPlugin(p.name());
    }
    return Status.success();
  }

  /** The first Bind plugin that does not skip binds. */
  public Status runBind(CycleState state, Pod pod, String node) {
    for (Plugin.Bind p : binds) {
      Status s = p.bind(state, pod, node);
      if (!s.isSkip()) return s.withPlugin(p.name());
    }
    return Status.error("no bind plugin bound the pod");
  }

  /** Names per extension point, for the startup log. */
  public Map<String, List<String>> describe() {
    Map<String, List<String>> m = new LinkedHashMap<>();
    m.put("preFilter", preFilters.stream().map(Plugin::name).toList());
    m.put("filter", filters.stream().map(Plugin::name).toList());
    m.put("postFilter", postFilters.stream().map(Plugin::name).toList());
    m.put("score", scores.stream().map(Plugin::name).toList());
    m.put("reserve", reserves.stream().map(Plugin::name).toList());
    m.put("bind", binds.stream().map(Plugin::name).toList());
    return m;
  }
}
