package io.gubernator.scheduler;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.gubernator.client.EventRecorder;
import io.gubernator.client.Keys;
import io.gubernator.scheduler.framework.plugins.defaultpreemption.DefaultPreemption;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Preemption through the API, as upstream's prepareCandidate: a "Preempted" event on each victim,
 * its graceful deletion (the pod's own grace period), then the preemptor's
 * status.nominatedNodeName so users (and a later scheduler) see where it is headed.
 */
final class ApiPreemptor implements DefaultPreemption.Preemptor {

  private static final Logger LOG = LoggerFactory.getLogger(ApiPreemptor.class);

  private final KubernetesClient client;
  private final EventRecorder events;

  ApiPreemptor(KubernetesClient client, EventRecorder events) {
    this.client = client;
    this.events = events;
  }

  @Override
  public void preempt(Pod preemptor, String node, List<Pod> victims) {
    for (Pod v : victims) {
      events.event(v, EventRecorder.NORMAL, "Preempted",
          "Preempted by pod " + preemptor.getMetadata().getUid() + " on node " + node);
      try {
        client.pods().inNamespace(v.getMetadata().getNamespace()).withName(v.getMetadata().getName()).delete();
      } catch (KubernetesClientException e) {
        LOG.info("cannot delete preemption victim: victim={} code={} error={}", Keys.of(v), e.getCode(), e.getMessage());
      }
    }
    try {
      client.pods().inNamespace(preemptor.getMetadata().getNamespace()).withName(preemptor.getMetadata().getName())
          .subresource("status").patch(PatchContext.of(PatchType.JSON_MERGE),
              client.getKubernetesSerialization().asJson(Map.of("status", Map.of("nominatedNodeName", node))));
    } catch (KubernetesClientException e) {
      LOG.info("cannot set nominatedNodeName: pod={} code={} error={}", Keys.of(preemptor), e.getCode(), e.getMessage());
    }
    LOG.info("preempted: pod={} node={} victims={}", Keys.of(preemptor), node, victims.stream().map(Keys::of).toList());
  }
}
