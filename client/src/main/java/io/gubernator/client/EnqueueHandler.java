package io.gubernator.client;

import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import java.util.function.Consumer;

/**
 * An informer event handler that only enqueues: every add, update (old and new object) and delete
 * is passed to {@code enqueue}, which maps the object to the keys it affects.
 */
public final class EnqueueHandler {

  private EnqueueHandler() {}

  public static <T> ResourceEventHandler<T> of(Consumer<T> enqueue) {
    return new ResourceEventHandler<>() {
      @Override
      public void onAdd(T o) {
        enqueue.accept(o);
      }

      @Override
      public void onUpdate(T old, T o) {
        enqueue.accept(old);
        enqueue.accept(o);
      }

      @Override
      public void onDelete(T o, boolean finalStateUnknown) {
        enqueue.accept(o);
      }
    };
  }
}
