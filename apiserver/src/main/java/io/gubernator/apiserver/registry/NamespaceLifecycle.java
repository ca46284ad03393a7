package io.gubernator.apiserver.registry;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.gubernator.api.errors.StatusException;
import java.util.Optional;
import java.util.function.Function;

/**
 * The NamespaceLifecycle admission rule: objects may only be created in a namespace that exists and
 * is not terminating. Reads the store directly, so a namespace created a moment ago is seen.
 */
public final class NamespaceLifecycle {

  private final Function<String, Optional<ObjectNode>> namespaceLookup;

  public NamespaceLifecycle(Function<String, Optional<ObjectNode>> namespaceLookup) {
    this.namespaceLookup = namespaceLookup;
  }

  void checkCanCreateIn(String namespace) {
    ObjectNode ns = namespaceLookup.apply(namespace)
        .orElseThrow(() -> StatusException.notFound("", "namespaces", namespace));
    if ("Terminating".equals(ns.path("status").path("phase").asText()) || ns.path("metadata").hasNonNull("deletionTimestamp")) {
      throw StatusException.forbidden("unable to create new content in namespace " + namespace
          + " because it is being terminated");
    }
  }

}
