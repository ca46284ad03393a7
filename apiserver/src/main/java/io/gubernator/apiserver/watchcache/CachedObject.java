package io.gubernator.apiserver.watchcache;

import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * One object as the cache holds it: decoded once, with {@code metadata.resourceVersion} set.
 * Callers must not modify {@code object}; they copy it first.
 */
public record CachedObject(String key, String namespace, String name, ObjectNode object, long revision) {}
