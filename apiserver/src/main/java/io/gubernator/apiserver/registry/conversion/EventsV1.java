package io.gubernator.apiserver.registry.conversion;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.gubernator.api.serialization.Json;
import io.gubernator.apiserver.registry.VersionConversion;
import java.util.List;

/**
 * events.k8s.io/v1 Events over the core/v1 Events they are stored as: the same objects under the
 * newer field names (note ↔ message, regarding ↔ involvedObject, deprecated* ↔ the old counters).
 */
public final class EventsV1 implements VersionConversion {

  /** events.k8s.io/v1 name ↔ core/v1 name, for fields that only differ by name. */
  private static final List<String[]> RENAMED = List.of(
      new String[] {"note", "message"},
      new String[] {"regarding", "involvedObject"},
      new String[] {"reportingController", "reportingComponent"},
      new String[] {"deprecatedSource", "source"},
      new String[] {"deprecatedFirstTimestamp", "firstTimestamp"},
      new String[] {"deprecatedLastTimestamp", "lastTimestamp"},
      new String[] {"deprecatedCount", "count"});

  @Override
  public ObjectNode fromStorage(ObjectNode stored) {
    ObjectNode out = Json.MAPPER.createObjectNode().put("apiVersion", "events.k8s.io/v1").put("kind", "Event");
    stored.properties().forEach(e -> {
      if (!e.getKey().equals("apiVersion") && !e.getKey().equals("kind")) out.set(rename(e.getKey(), 1, 0), e.getValue());
    });
    return out;
  }

  @Override
  public ObjectNode toStorage(ObjectNode served) {
    ObjectNode out = Json.MAPPER.createObjectNode().put("apiVersion", "v1").put("kind", "Event");
    served.properties().forEach(e -> {
      if (!e.getKey().equals("apiVersion") && !e.getKey().equals("kind")) out.set(rename(e.getKey(), 0, 1), e.getValue());
    });
    JsonNode series = out.path("series");
    if (series.isObject() && series.has("count") && !out.has("count")) out.set("count", series.get("count"));
    return out;
  }

  private static String rename(String name, int from, int to) {
    for (String[] pair : RENAMED) if (pair[from].equals(name)) return pair[to];
    return name;
  }
}
