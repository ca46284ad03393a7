package io.gubernator.apiserver.registry;

import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * Converts between a served version of a resource and the version its objects are stored in, so
 * that several versions (autoscaling/v1 and v2 HPAs, core and events.k8s.io events) share one set
 * of objects. Implementations never modify their argument: stored objects are shared by the cache.
 */
public interface VersionConversion {

  VersionConversion IDENTITY = new VersionConversion() {
    @Override
    public ObjectNode toStorage(ObjectNode served) {
      return served;
    }

    @Override
    public ObjectNode fromStorage(ObjectNode stored) {
      return stored;
    }
  };

  ObjectNode toStorage(ObjectNode served);

  ObjectNode fromStorage(ObjectNode stored);
}
