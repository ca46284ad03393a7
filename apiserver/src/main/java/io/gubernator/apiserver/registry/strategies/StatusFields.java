package io.gubernator.apiserver.registry.strategies;

import io.fabric8.kubernetes.api.model.HasMetadata;
import java.lang.reflect.Method;

/**
 * The {@code status} of a model object, reached by reflection so that one strategy serves every
 * resource whose status belongs to its controller.
 */
final class StatusFields {

  private StatusFields() {}

  static void clear(HasMetadata object) {
    set(object, null);
  }

  static void copy(HasMetadata from, HasMetadata to) {
    set(to, get(from));
  }

  private static Object get(HasMetadata o) {
    try {
      Method m = o.getClass().getMethod("getStatus");
      return m.invoke(o);
    } catch (ReflectiveOperationException e) {
      return null;
    }
  }

  private static void set(HasMetadata o, Object status) {
    try {
      Method getter = o.getClass().getMethod("getStatus");
      o.getClass().getMethod("setStatus", getter.getReturnType()).invoke(o, status);
    } catch (ReflectiveOperationException e) {
      // a type without status: nothing to reset
    }
  }
}
