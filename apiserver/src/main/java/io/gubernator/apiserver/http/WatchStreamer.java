package io.gubernator.apiserver.http;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.gubernator.api.errors.StatusException;
import io.gubernator.api.resource.ResourceType;
import io.gubernator.api.serialization.Json;
import io.gubernator.apiserver.printers.TablePrinter;
import io.gubernator.apiserver.registry.GenericRegistry;
import io.gubernator.apiserver.registry.Options;
import io.gubernator.apiserver.watchcache.Watcher;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerResponse;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Streams a watch as newline-delimited {@code WatchEvent} JSON, on the request's virtual thread:
 * events from the cache, periodic bookmarks when asked for, and an end after
 * {@code timeoutSeconds} (or Kubernetes' randomized 30–60 minutes).
 */
public final class WatchStreamer {

  private static final long BOOKMARK_INTERVAL_MS = 30_000;
  private static final long SLOW_CLIENT_LIMIT_MS = 30_000;

  public void stream(ApiRequest req, HttpServerResponse res, GenericRegistry registry, String namespace, String name,
      Options.ListWatch options, ResourceHandler.Output out) {
    long timeoutSeconds;
    String t = req.param("timeoutSeconds");
    if (t != null && !t.isEmpty()) {
      try {
        timeoutSeconds = Long.parseLong(t);
      } catch (NumberFormatException e) {
        throw StatusException.badRequest("timeoutSeconds: must be an integer");
      }
    } else {
      timeoutSeconds = 1800 + ThreadLocalRandom.current().nextLong(1800);
    }
    boolean initialEventsBookmark = Boolean.TRUE.equals(options.sendInitialEvents());
    if (initialEventsBookmark && !options.allowWatchBookmarks()) {
      throw StatusException.invalid("meta.k8s.io", "ListOptions", "", List.of(new StatusException.Cause(
          "FieldValueForbidden", "Forbidden: sendInitialEvents requires setting allowWatchBookmarks=true", "allowWatchBookmarks")));
    }
    Watcher watcher = registry.lists().watch(namespace, name, options);
    ResourceType type = registry.type();
    res.setChunked(true);
    res.setStatusCode(200);
    res.putHeader("Content-Type", out.table() ? "application/json" : "application/json");
    res.putHeader("Cache-Control", "no-cache, private");
    res.putHeader("Transfer-Encoding", "chunked");
    boolean[] closed = {false};
    res.closeHandler(v -> closed[0] = true);
    res.exceptionHandler(e -> closed[0] = true);
    long deadline = System.currentTimeMillis() + timeoutSeconds * 1000;
    long lastBookmark = System.currentTimeMillis();
    boolean columnsSent = false;
    boolean initialDone = !initialEventsBookmark;
    try {
      write(res, Buffer.buffer()); // headers now, so the client knows the watch is established
      while (!closed[0]) {
        long left = deadline - System.currentTimeMillis();
        if (left <= 0) break;
        Watcher.Item item = watcher.poll(Math.min(left, initialDone ? 1000 : 50));
        if (item == null) {
          if (!initialDone) {
            initialDone = true;
            writeEvent(res, "BOOKMARK", bookmark(type, registry.lists().revision(), true));
          } else if (options.allowWatchBookmarks() && System.currentTimeMillis() - lastBookmark > BOOKMARK_INTERVAL_MS) {
            lastBookmark = System.currentTimeMillis();
            writeEvent(res, "BOOKMARK", bookmark(type, registry.lists().revision(), false));
          }
          continue;
        }
        if (item instanceof Watcher.Closed c) {
          writeEvent(res, "ERROR", Responses.status(StatusException.gone("too old resource version: " + c.reason())));
          break;
        }
        Watcher.Event e = (Watcher.Event) item;
        ObjectNode object = e.object().object();
        if (!object.has("kind")) object = object.deepCopy().put("kind", type.kind()).put("apiVersion", type.apiVersion());
        if (out.table()) {
          ObjectNode table = TablePrinter.table(type.storageKey(), List.of(object),
              object.path("metadata").path("resourceVersion").asText(null), null, null, req.param("includeObject"), !columnsSent);
          table.put("apiVersion", "meta.k8s.io/" + (out.tableVersion() == null ? "v1" : out.tableVersion()));
          columnsSent = true;
          object = table;
        }
        writeEvent(res, e.type(), object);
        if (!waitForDrain(res, closed)) break;
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } finally {
      watcher.close();
      if (!res.ended() && !res.closed()) res.end();
    }
  }

  private static ObjectNode bookmark(ResourceType type, long revision, boolean initialEventsEnd) {
    ObjectNode o = Json.MAPPER.createObjectNode().put("kind", type.kind()).put("apiVersion", type.apiVersion());
    ObjectNode meta = o.putObject("metadata").put("resourceVersion", Long.toString(revision));
    if (initialEventsEnd) meta.putObject("annotations").put("k8s.io/initial-events-end", "true");
    return o;
  }

  private static void writeEvent(HttpServerResponse res, String type, ObjectNode object) {
    ObjectNode event = Json.MAPPER.createObjectNode().put("type", type);
    event.set("object", object);
    byte[] bytes = Json.bytes(event);
    Buffer b = Buffer.buffer(bytes.length + 1).appendBytes(bytes).appendByte((byte) '\n');
    write(res, b);
  }

  private static void write(HttpServerResponse res, Buffer b) {
    if (!res.ended() && !res.closed()) res.write(b);
  }

  /** Waits while the client's connection is backed up; false when it stays backed up too long. */
  private static boolean waitForDrain(HttpServerResponse res, boolean[] closed) throws InterruptedException {
    long start = System.currentTimeMillis();
    while (res.writeQueueFull() && !closed[0]) {
      if (System.currentTimeMillis() - start > SLOW_CLIENT_LIMIT_MS) return false;
      Thread.sleep(5);
    }
    return !closed[0];
  }
}
