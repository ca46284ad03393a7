package io.gubernator.scheduler;

import static io.gubernator.scheduler.framework.plugins.Fixtures.pod;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodStatus;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class NominatorTest {

  private static Map<String, List<String>> nominated(Nominator n) {
    Map<String, List<String>> out = new java.util.TreeMap<>();
    n.snapshot().forEach((node, pods) -> out.put(node, pods.stream().map(p -> p.pod().getMetadata().getUid()).toList()));
    return out;
  }

  private static Pod withNomination(Pod p, String node) {
    Pod copy = new io.fabric8.kubernetes.api.model.PodBuilder(p).build();
    copy.setStatus(new PodStatus());
    copy.getStatus().setNominatedNodeName(node);
    return copy;
  }

  @Test
  void aNominationMadeInMemoryOutlivesUpdatesThatDoNotShowItYet() {
    Nominator n = new Nominator();
    Pod p = pod("cpu=1");
    String uid = p.getMetadata().getUid();
    n.nominate(p, "n1");
    // The scheduler's own PodScheduled=False write comes back before the nominatedNodeName write.
    n.update(p);
    assertEquals(Map.of("n1", List.of(uid)), nominated(n));
    // The API's view wins once it has one.
    n.update(withNomination(p, "n2"));
    assertEquals(Map.of("n2", List.of(uid)), nominated(n));
    n.remove(p);
    assertEquals(Map.of(), nominated(n));
  }

  @Test
  void podsNeverNominatedStayOut() {
    Nominator n = new Nominator();
    n.update(pod("cpu=1"));
    assertEquals(Map.of(), nominated(n));
  }
}
