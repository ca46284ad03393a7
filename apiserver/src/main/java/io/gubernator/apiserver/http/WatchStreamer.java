package io.gubernator.apiserver.http;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.gubernator.api.errors.StatusException;
import io.gubernator.api.resource.ResourceType;
import io.gubernator.api.serialization.Json;
import io.gubernator.api.serialization.Protobuf;
import io.gubernator.apiserver.printers.TablePrinter;
import io.gubernator.apiserver.registry.GenericRegistry;
import io.gubernator.apiserver.registry.Options;
import io.gubernator.apiserver.registry.VersionConversion;
import io.gubernator.apiserver.watchcache.Watcher;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.http.ServerWebSocket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Streams a watch as newline-delimited {@code WatchEvent} JSON or length-prefixed protobuf (or one
 * WebSocket message per event, when the client asked for a WebSocket), on the request's virtual thread:
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
    // Kubernetes' validateWatchOptions: resourceVersionMatch on a watch only with sendInitialEvents, and only NotOlderThan.
    String match = options.resourceVersionMatch();
    if (match != null && !match.isEmpty()) {
      List<StatusException.Cause> causes = new java.util.ArrayList<>();
      if (options.sendInitialEvents() == null) {
        causes.add(new StatusException.Cause("FieldValueForbidden",
            "Forbidden: resourceVersionMatch is forbidden for watch unless sendInitialEvents is provided", "resourceVersionMatch"));
      }
      if (!match.equals("NotOlderThan")) {
        causes.add(new StatusException.Cause("FieldValueNotSupported",
            "Unsupported value: \"" + match + "\": supported values: \"NotOlderThan\"", "resourceVersionMatch"));
      }
      if (!causes.isEmpty()) throw StatusException.invalid("meta.k8s.io", "ListOptions", "", causes);
    }
    if (out.partial() != null && !out.partial().equals(ResourceHandler.PARTIAL)) {
      throw ResourceHandler.notAcceptablePartial(ResourceHandler.PARTIAL);
    }
    Watcher watcher = registry.lists().watch(namespace, name, options);
    ResourceType type = registry.type();
    Sink sink;
    try {
      sink = req.webSocket() != null ? webSocket(req.webSocket(), out.protobuf()) : chunked(res, out.protobuf());
    } catch (RuntimeException e) {
      watcher.close();
      throw e;
    }
    long deadline = System.currentTimeMillis() + timeoutSeconds * 1000;
    long lastBookmark = System.currentTimeMillis();
    boolean columnsSent = false;
    boolean initialDone = !initialEventsBookmark;
    try {
      while (!sink.closed()) {
        long left = deadline - System.currentTimeMillis();
        if (left <= 0) break;
        Watcher.Item item = watcher.poll(Math.min(left, initialDone ? 1000 : 50));
        if (item == null) {
          if (!initialDone) {
            initialDone = true;
            sink.send(event("BOOKMARK", bookmark(type, registry.lists().revision(), true, out), out));
          } else if (options.allowWatchBookmarks() && System.currentTimeMillis() - lastBookmark > BOOKMARK_INTERVAL_MS) {
            lastBookmark = System.currentTimeMillis();
            sink.send(event("BOOKMARK", bookmark(type, registry.lists().revision(), false, out), out));
          }
          continue;
        }
        if (item instanceof Watcher.Closed c) {
          sink.send(event("ERROR", Responses.status(StatusException.gone("too old resource version: " + c.reason())), out));
          break;
        }
        Watcher.Event e = (Watcher.Event) item;
        if (!out.table() && out.partial() == null && !out.protobuf() && registry.conversion() == VersionConversion.IDENTITY
            && e.object().object().has("kind")) {
          sink.send(jsonEvent(e.type(), e.object().json()));
          if (!waitForDrain(sink)) break;
          continue;
        }
        ObjectNode object = registry.conversion().fromStorage(e.object().object());
        if (!object.has("kind")) object = object.deepCopy().put("kind", type.kind()).put("apiVersion", type.apiVersion());
        if (out.table()) {
          ObjectNode table = TablePrinter.table(type.storageKey(), List.of(object),
              object.path("metadata").path("resourceVersion").asText(null), null, null, req.param("includeObject"), !columnsSent,
              registry.conversion()::toStorage);
          table.put("apiVersion", out.metaApiVersion());
          columnsSent = true;
          object = table;
        } else if (out.partial() != null) {
          object = ResourceHandler.partial(object, out);
        }
        sink.send(event(e.type(), object, out));
        if (!waitForDrain(sink)) break;
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } finally {
      watcher.close();
      sink.end();
    }
  }

  /** Where the events of one watch go: a chunked HTTP response, or WebSocket messages. */
  private interface Sink {
    void send(byte[] event);

    boolean closed();

    boolean backedUp();

    void end();
  }

  /**
   * Events in one chunked response, newline-delimited JSON or, for protobuf, each behind its
   * length (4 bytes, big-endian) as Kubernetes frames a protobuf stream; the headers go out at
   * once, so the client knows the watch is established.
   */
  private static Sink chunked(HttpServerResponse res, boolean protobuf) {
    // setChunked frames the stream on HTTP/1.1; an explicit Transfer-Encoding header would be a
    // connection-specific header on HTTP/2, which clients reject as a PROTOCOL_ERROR.
    res.setChunked(true);
    res.setStatusCode(200);
    res.putHeader("Content-Type", protobuf ? MediaTypes.PROTOBUF + ";stream=watch" : MediaTypes.JSON);
    res.putHeader("Cache-Control", "no-cache, private");
    AtomicBoolean closed = new AtomicBoolean();
    res.closeHandler(v -> closed.set(true));
    res.exceptionHandler(e -> closed.set(true));
    Sink sink = new Sink() {
      @Override
      public void send(byte[] event) {
        if (res.ended() || res.closed()) return;
        closedOnFailure(closed, () -> {
          if (protobuf) res.write(Buffer.buffer(event.length + 4).appendInt(event.length).appendBytes(event));
          else res.write(Buffer.buffer(event.length + 1).appendBytes(event).appendByte((byte) '\n'));
          return false;
        });
      }

      @Override
      public boolean closed() {
        return closed.get();
      }

      @Override
      public boolean backedUp() {
        return !closed.get() && closedOnFailure(closed, res::writeQueueFull);
      }

      @Override
      public void end() {
        if (!res.ended() && !res.closed()) res.end();
      }
    };
    if (!res.ended() && !res.closed()) res.write(Buffer.buffer());
    return sink;
  }

  /**
   * One event per text message, as Kubernetes serves a watch to a WebSocket client (fabric8's
   * watches and informers ask for one first). The upgrade happens only once the watch is known to
   * be valid, so a bad request still gets an HTTP error with a Status body.
   */
  private static Sink webSocket(HttpServerRequest request, boolean protobuf) {
    ServerWebSocket ws;
    try {
      ws = request.toWebSocket().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw StatusException.serviceUnavailable("interrupted");
    } catch (ExecutionException | TimeoutException e) {
      throw StatusException.badRequest("the WebSocket handshake failed: " + e.getMessage());
    }
    AtomicBoolean closed = new AtomicBoolean();
    ws.closeHandler(v -> closed.set(true));
    ws.exceptionHandler(e -> closed.set(true));
    // Messages from the client are not part of the watch protocol; reading them keeps the socket flowing.
    ws.handler(b -> { });
    return new Sink() {
      @Override
      public void send(byte[] event) {
        if (closed()) return;
        closedOnFailure(closed, () -> {
          if (protobuf) ws.writeBinaryMessage(Buffer.buffer(event));
          else ws.writeTextMessage(new String(event, StandardCharsets.UTF_8));
          return false;
        });
      }

      @Override
      public boolean closed() {
        return closed.get() || ws.isClosed();
      }

      @Override
      public boolean backedUp() {
        return !closed() && closedOnFailure(closed, ws::writeQueueFull);
      }

      @Override
      public void end() {
        if (!ws.isClosed()) ws.close();
      }
    };
  }

  private static ObjectNode bookmark(ResourceType type, long revision, boolean initialEventsEnd, ResourceHandler.Output out) {
    ObjectNode o = Json.MAPPER.createObjectNode().put("kind", type.kind()).put("apiVersion", type.apiVersion());
    ObjectNode meta = o.putObject("metadata").put("resourceVersion", Long.toString(revision));
    if (initialEventsEnd) meta.putObject("annotations").put("k8s.io/initial-events-end", "true");
    return out.partial() != null ? ResourceHandler.partial(o, out) : o;
  }

  /** One event: a versioned meta/v1 WatchEvent in protobuf, the object enveloped inside it; else JSON. */
  private static byte[] event(String type, ObjectNode object, ResourceHandler.Output out) {
    if (out.protobuf()) return Protobuf.encodeWatchEvent(type, object);
    ObjectNode event = Json.MAPPER.createObjectNode().put("type", type);
    event.set("object", object);
    return Json.bytes(event);
  }

  /** {@code {"type":…,"object":…}} around an object already encoded, byte for byte what {@link #event} writes. */
  private static byte[] jsonEvent(String type, byte[] object) {
    byte[] head = ("{\"type\":\"" + type + "\",\"object\":").getBytes(StandardCharsets.UTF_8);
    byte[] event = new byte[head.length + object.length + 1];
    System.arraycopy(head, 0, event, 0, head.length);
    System.arraycopy(object, 0, event, head.length, object.length);
    event[event.length - 1] = '}';
    return event;
  }

  /**
   * Runs a write or a check on the client's connection. The client may close it (on the event
   * loop) between the watch's check and its write; Vert.x then throws IllegalStateException, and
   * the watch ends quietly instead of as a 500 in the log. Returns the check's answer, false if closed.
   */
  private static boolean closedOnFailure(AtomicBoolean closed, java.util.function.BooleanSupplier io) {
    try {
      return io.getAsBoolean();
    } catch (IllegalStateException e) {
      closed.set(true);
      return false;
    }
  }

  /** Waits while the client's connection is backed up; false when it stays backed up too long. */
  private static boolean waitForDrain(Sink sink) throws InterruptedException {
    long start = System.currentTimeMillis();
    while (sink.backedUp() && !sink.closed()) {
      if (System.currentTimeMillis() - start > SLOW_CLIENT_LIMIT_MS) return false;
      Thread.sleep(5);
    }
    return !sink.closed();
  }
}
