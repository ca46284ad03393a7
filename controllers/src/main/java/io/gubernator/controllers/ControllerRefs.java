package io.gubernator.controllers;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import java.util.ArrayList;
import java.util.List;

/** Controller references ({@code metav1.GetControllerOf}, {@code NewControllerRef}) and the edits adopt/release make. */
public final class ControllerRefs {

  private ControllerRefs() {}

  /** The owner reference with {@code controller: true}, or null. */
  public static OwnerReference controllerOf(HasMetadata o) {
    List<OwnerReference> refs = o.getMetadata().getOwnerReferences();
    if (refs == null) return null;
    for (OwnerReference r : refs) {
      if (Boolean.TRUE.equals(r.getController())) return r;
    }
    return null;
  }

  /** The reference a controller puts on what it creates or adopts: controller and blockOwnerDeletion set. */
  public static OwnerReference newControllerRef(HasMetadata owner) {
    return new OwnerReferenceBuilder()
        .withApiVersion(owner.getApiVersion()).withKind(owner.getKind())
        .withName(owner.getMetadata().getName()).withUid(owner.getMetadata().getUid())
        .withController(true).withBlockOwnerDeletion(true)
        .build();
  }

  /** Adds {@code ref} to {@code o}'s owner references (in place; call on a copy). */
  public static void addOwnerRef(HasMetadata o, OwnerReference ref) {
    List<OwnerReference> refs = o.getMetadata().getOwnerReferences() == null
        ? new ArrayList<>() : new ArrayList<>(o.getMetadata().getOwnerReferences());
    refs.removeIf(r -> r.getUid().equals(ref.getUid()));
    refs.add(ref);
    o.getMetadata().setOwnerReferences(refs);
  }

  /** Removes the owner reference with {@code uid} (in place; call on a copy). Returns whether one was removed. */
  public static boolean removeOwnerRef(HasMetadata o, String uid) {
    List<OwnerReference> refs = o.getMetadata().getOwnerReferences();
    if (refs == null) return false;
    List<OwnerReference> kept = new ArrayList<>(refs);
    boolean removed = kept.removeIf(r -> uid.equals(r.getUid()));
    o.getMetadata().setOwnerReferences(kept);
    return removed;
  }

  public static boolean beingDeleted(HasMetadata o) {
    return o.getMetadata().getDeletionTimestamp() != null;
  }
}
