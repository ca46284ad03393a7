package io.gubernator.controllers.events;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.Event;
import io.gubernator.client.EventRecorder;
import io.gubernator.controllers.ClusterTestBase;
import java.time.Duration;
import java.util.List;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

/** The client's event recorder against a real API server: repeats become counts, as client-go's correlator makes them. */
class EventRecorderTest extends ClusterTestBase {

  @Test
  void aRepeatedEventRaisesTheCountOfTheFirstInsteadOfRecordingAnother() {
    String ns = namespace("events-count");
    var cm = new ConfigMapBuilder().withNewMetadata().withName("c").withNamespace(ns).withUid("u1").endMetadata().build();
    cm.setKind("ConfigMap");
    cm.setApiVersion("v1");
    try (EventRecorder events = new EventRecorder(client, "test", "i")) {
      events.event(cm, EventRecorder.WARNING, "Unhealthy", "probe failed");
      events.event(cm, EventRecorder.WARNING, "Unhealthy", "probe failed");
      events.event(cm, EventRecorder.WARNING, "Unhealthy", "probe failed");
      events.event(cm, EventRecorder.WARNING, "Unhealthy", "another message");
      Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> client.v1().events().inNamespace(ns).list().getItems().size() == 2
          && client.v1().events().inNamespace(ns).list().getItems().stream().anyMatch(e -> e.getCount() == 3));
      List<Event> all = client.v1().events().inNamespace(ns).list().getItems();
      assertThat(all).extracting(Event::getMessage, Event::getCount)
          .containsExactlyInAnyOrder(org.assertj.core.groups.Tuple.tuple("probe failed", 3), org.assertj.core.groups.Tuple.tuple("another message", 1));
    }
  }
}
