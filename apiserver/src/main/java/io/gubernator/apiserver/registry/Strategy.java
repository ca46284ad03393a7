package io.gubernator.apiserver.registry;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.gubernator.api.validation.FieldError;
import io.gubernator.api.validation.NameRule;
import java.util.List;

/**
 * What is particular to one resource in the generic create/update/delete path (Kubernetes'
 * RESTCreateStrategy and RESTUpdateStrategy): defaults, what the client may not set, validation.
 * The generic registry does everything else, so a new resource needs a strategy, not a new path.
 */
public interface Strategy<T extends HasMetadata> {

  default NameRule nameRule() {
    return NameRule.DNS1123_SUBDOMAIN;
  }

  /** Whether {@code metadata.generation} counts spec changes for this resource. */
  default boolean tracksGeneration() {
    return false;
  }

  /** Called on create, before defaulting and validation: reset what clients may not set. */
  default void prepareForCreate(T object) {}

  /** Called on an update of the main resource, before validation; {@code old} is the stored object. */
  default void prepareForUpdate(T object, T old) {}

  /** Fills in Kubernetes' defaults; also applied on update, as Kubernetes' decoder does. */
  default void applyDefaults(T object) {}

  /** Validation beyond object metadata (which the registry validates for every type). */
  default List<FieldError> validate(T object) {
    return List.of();
  }

  default List<FieldError> validateUpdate(T object, T old) {
    return validate(object);
  }

  /**
   * Called after validation, just before the object is stored: takes what must be unique across
   * objects (a ClusterIP, a NodePort). {@link #rollbackCreate} undoes it if the create fails.
   */
  default void beforeCreate(T object, boolean dryRun) {}

  default void rollbackCreate(T object) {}

  /** Called after validation of an update, before it is stored (allocations for a changed type). */
  default void beforeUpdate(T object, T old, boolean dryRun) {}

  /** Called once the object is gone from the store: releases what {@link #beforeCreate} took. */
  default void afterDelete(T object) {}

  /**
   * Whether something besides {@code metadata.finalizers} holds the deletion of {@code object}:
   * a namespace's {@code spec.finalizers}, which its controller removes once the content is gone.
   */
  default boolean deletionHeld(T object) {
    return false;
  }

  /** Called on an object being marked for deletion, after its deletionTimestamp is set (a namespace turns Terminating). */
  default void prepareForDeletion(T object) {}
}
