package io.gubernator.apiserver.registry;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.gubernator.api.errors.StatusException;
import java.util.Optional;
import java.util.function.Function;

/**
 * The NamespaceLifecycle admission rule: objects may only be created in a namespace that exists and
 * is not terminating.
 */
public final class NamespaceLifecycle {

  private final Function<String, Optional<ObjectNode>> namespaceLookup;

  public NamespaceLifecycle(Function<String, Optional<ObjectNode>> namespaceLookup) {
    this.namespaceLookup = namespaceLookup;
  }

  /** Refuses a create of {@code name} (a {@code group}/{@code plural}) in a missing or terminating namespace. */
  void checkCanCreateIn(String namespace, String group, String plural, String name) {
    ObjectNode ns = namespaceLookup.apply(namespace)
        .orElseThrow(() -> StatusException.notFound("", "namespaces", namespace));
    if ("Terminating".equals(ns.path("status").path("phase").asText()) || ns.path("metadata").hasNonNull("deletionTimestamp")) {
      // Worded as Kubernetes' admission.NewForbidden: "<resource>[.<group>] "<name>" is forbidden: <reason>".
      String resource = group.isEmpty() ? plural : plural + "." + group;
      String subject = name == null || name.isEmpty() ? resource : resource + " \"" + name + "\"";
      throw StatusException.forbidden(subject + " is forbidden: unable to create new content in namespace " + namespace
          + " because it is being terminated");
    }
  }

}
