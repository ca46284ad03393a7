package io.gubernator.api.resource;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * The resources the API server serves, by group/version/plural and by group/version/kind. Built-in
 * types are registered at start; custom resources will be added at run time, hence the
 * copy-on-write collections.
 */
public final class ResourceRegistry {

  private final List<ResourceType> types = new CopyOnWriteArrayList<>();

  public static ResourceRegistry builtin() {
    ResourceRegistry registry = new ResourceRegistry();
    BuiltinResources.ALL_TYPES.forEach(registry::register);
    return registry;
  }

  public void register(ResourceType type) {
    types.add(type);
  }

  public List<ResourceType> all() {
    return Collections.unmodifiableList(types);
  }

  public Optional<ResourceType> byPlural(String group, String version, String plural) {
    for (ResourceType t : types) {
      if (t.group().equals(group) && t.version().equals(version) && t.plural().equals(plural)) return Optional.of(t);
    }
    return Optional.empty();
  }

  /** Group name → its versions in preference order (the first is the preferred version). */
  public Map<String, List<String>> groupVersions() {
    Map<String, List<String>> groups = new LinkedHashMap<>();
    for (ResourceType t : types) {
      List<String> versions = groups.computeIfAbsent(t.group(), g -> new ArrayList<>());
      if (!versions.contains(t.version())) versions.add(t.version());
    }
    return groups;
  }

  public List<ResourceType> inGroupVersion(String group, String version) {
    return types.stream().filter(t -> t.group().equals(group) && t.version().equals(version)).toList();
  }
}
