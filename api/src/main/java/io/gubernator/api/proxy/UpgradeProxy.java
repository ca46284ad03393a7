package io.gubernator.api.proxy;

import io.gubernator.api.errors.StatusException;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.http.impl.Http1xServerConnection;
import io.vertx.core.net.NetSocket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An HTTP/1.1 upgrade passed through to an upstream server, as Kubernetes' UpgradeAwareHandler
 * does it: the client's request head goes to the upstream connection; when the upstream switches
 * protocols, its 101 head is written to the client verbatim and the two connections are spliced,
 * so WebSocket (v5.channel.k8s.io and the rest) and SPDY/3.1 work without the proxy speaking
 * either; any other answer becomes the proxy's response. The API server uses it towards kubelets,
 * the kubelet towards the container runtime's streaming server.
 */
public final class UpgradeProxy {

  private static final Logger LOG = LoggerFactory.getLogger(UpgradeProxy.class);
  private static final int MAX_HEAD_BYTES = 64 * 1024;
  private static final int MAX_BODY_BYTES = 1024 * 1024;
  /** How long the upstream may take to answer the upgrade (it starts nothing before answering). */
  private static final long ANSWER_TIMEOUT_SECONDS = 60;
  /** Not passed on: the client's credentials are for this server, and the framing is per hop. */
  private static final List<String> DROPPED_HEADERS = List.of("host", "authorization", "proxy-authorization",
      "proxy-connection", "content-length", "transfer-encoding", "te", "trailer", "keep-alive");

  private UpgradeProxy() {}

  /** Whether {@code req} asks to switch protocols (possible on HTTP/1.1 only). */
  public static boolean isUpgrade(HttpServerRequest req) {
    if (req.version() == HttpVersion.HTTP_2) return false;
    String upgrade = req.getHeader("Upgrade");
    if (upgrade == null || upgrade.isBlank()) return false;
    for (String c : req.headers().getAll("Connection")) {
      for (String token : c.split(",")) if (token.trim().equalsIgnoreCase("upgrade")) return true;
    }
    return false;
  }

  /**
   * Sends the head of {@code raw} to {@code upstream} (already connected) for {@code pathAndQuery}
   * with {@code host} as its Host, and blocks until the answer. Returns true when the client
   * connection became the tunnel; false when the upstream's refusal was written as the response
   * (the upstream connection is closed then). Throws a {@link StatusException} when the upstream
   * gives no usable answer. Call it off the event loop, with the request read or paused.
   */
  public static boolean open(NetSocket upstream, HttpServerRequest raw, String host, String pathAndQuery) {
    try {
      Answer answer = exchange(upstream, requestHead(raw, host, pathAndQuery));
      if (answer.status() != 101) {
        upstream.close();
        refuse(answer, raw);
        return false;
      }
      NetSocket client = takeOver(raw);
      client.write(answer.head());
      if (answer.rest().length() > 0) client.write(answer.rest());
      splice(client, upstream);
      return true;
    } catch (RuntimeException e) {
      upstream.close();
      throw e;
    }
  }

  /**
   * Writes {@code head} (a request head of the caller's making) to {@code upstream} and blocks
   * until its answer is complete; the socket is left paused right after it. For a 101 the
   * answer's {@code rest} holds the new protocol's first bytes. Call it off the event loop.
   */
  public static Answer exchange(NetSocket upstream, String head) {
    ResponseReader reader = new ResponseReader(upstream);
    upstream.write(Buffer.buffer(head));
    return reader.await();
  }

  /**
   * The client's connection as a raw socket, for a server that answers the upgrade itself. It
   * is paused on the event loop as it is taken over: a NetSocket without a handler drops what it
   * receives, and the client starts its new protocol as soon as it has the 101, which can be
   * before the caller has set its handlers.
   */
  public static NetSocket takeOver(HttpServerRequest raw) {
    NetSocket client = await(((Http1xServerConnection) raw.connection()).netSocket().map(socket -> {
      socket.pause();
      return socket;
    }), "cannot take over the connection");
    raw.response().setStatusCode(101); // for the request metrics only: nothing is written through it
    return client;
  }

  private static String requestHead(HttpServerRequest raw, String host, String pathAndQuery) {
    StringBuilder head = new StringBuilder(512).append(raw.method().name()).append(' ').append(pathAndQuery)
        .append(" HTTP/1.1\r\nHost: ").append(host).append("\r\n");
    raw.headers().forEach((name, value) -> {
      String lower = name.toLowerCase(Locale.ROOT);
      if (DROPPED_HEADERS.contains(lower) || lower.startsWith("impersonate-")) return;
      head.append(name).append(": ").append(value).append("\r\n");
    });
    return head.append("\r\n").toString();
  }

  /** The upstream's non-101 answer (an error, usually) as this server's response. */
  public static void refuse(Answer answer, HttpServerRequest raw) {
    var res = raw.response();
    if (answer.status() < 200 || answer.status() > 599) {
      throw StatusException.serviceUnavailable("invalid upgrade response: status code " + answer.status());
    }
    res.setStatusCode(answer.status());
    if (answer.contentType() != null) res.putHeader("Content-Type", answer.contentType());
    res.end(answer.body());
  }

  /**
   * Copies bytes both ways until either side closes, then closes the other. The pipes do the
   * closing: a side's end reaches its pipe after the last bytes it received, even when they are
   * still queued behind a full destination (a close handler would fire at once and cut them off),
   * and ending a NetSocket writes out what is pending before it closes.
   */
  private static void splice(NetSocket client, NetSocket upstream) {
    client.pipeTo(upstream).onFailure(e -> LOG.debug("tunnel client->upstream ended: error={}", e.toString()));
    upstream.pipeTo(client).onFailure(e -> LOG.debug("tunnel upstream->client ended: error={}", e.toString()));
  }

  /**
   * Waits for {@code future} (up to a minute), turning its failure into a 503 StatusException
   * that starts with {@code what}, and the wait's end into a timeout one.
   */
  public static <T> T await(Future<T> future, String what) {
    try {
      return future.toCompletionStage().toCompletableFuture().get(ANSWER_TIMEOUT_SECONDS, TimeUnit.SECONDS);
    } catch (ExecutionException e) {
      if (e.getCause() instanceof StatusException s) throw s;
      throw StatusException.serviceUnavailable(what + ": " + e.getCause().getMessage());
    } catch (TimeoutException e) {
      throw StatusException.timeout(what + ": no answer within " + ANSWER_TIMEOUT_SECONDS + "s");
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw StatusException.serviceUnavailable(what + ": interrupted");
    }
  }

  /** An upstream's answer to an upgrade request: its head as received, and its body or, for a 101, what followed. */
  public record Answer(int status, String contentType, Buffer head, Buffer body, Buffer rest) {}

  /**
   * Reads one HTTP/1.1 response off a raw socket: the head, then for a 101 the bytes already
   * received after it (the new protocol's), else the body by Content-Length, chunks or close.
   * The socket is paused as soon as the answer is complete, so nothing is read past it.
   */
  private static final class ResponseReader {

    private final NetSocket socket;
    private final CompletableFuture<Answer> result = new CompletableFuture<>();
    private final Buffer received = Buffer.buffer();

    ResponseReader(NetSocket socket) {
      this.socket = socket;
      socket.handler(chunk -> {
        if (result.isDone()) return;
        received.appendBuffer(chunk);
        parse(false);
      });
      socket.exceptionHandler(e -> result.completeExceptionally(e));
      socket.endHandler(v -> parse(true));
      socket.closeHandler(v -> parse(true));
    }

    Answer await() {
      return UpgradeProxy.await(Future.fromCompletionStage(result), "error reading the upgrade answer");
    }

    private void parse(boolean eof) {
      if (result.isDone()) return;
      try {
        Answer r = tryParse(eof);
        if (r != null) {
          socket.pause();
          result.complete(r);
        } else if (eof) {
          result.completeExceptionally(new IllegalStateException("connection closed before a complete answer"));
        }
      } catch (RuntimeException e) {
        result.completeExceptionally(e);
      }
    }

    private Answer tryParse(boolean eof) {
      int end = indexOf(received, "\r\n\r\n", 0);
      if (end < 0) {
        if (received.length() > MAX_HEAD_BYTES) throw new IllegalStateException("response head too large");
        return null;
      }
      int bodyStart = end + 4;
      String[] lines = received.getString(0, end, "ISO-8859-1").split("\r\n");
      String[] statusLine = lines[0].split(" ", 3);
      if (statusLine.length < 2 || !statusLine[0].startsWith("HTTP/1.")) {
        throw new IllegalStateException("malformed status line: " + lines[0]);
      }
      int status = Integer.parseInt(statusLine[1]);
      String contentType = null;
      long contentLength = -1;
      boolean chunked = false;
      for (int i = 1; i < lines.length; i++) {
        int colon = lines[i].indexOf(':');
        if (colon <= 0) continue;
        String name = lines[i].substring(0, colon).trim().toLowerCase(Locale.ROOT);
        String value = lines[i].substring(colon + 1).trim();
        switch (name) {
          case "content-type" -> contentType = value;
          case "content-length" -> contentLength = Long.parseLong(value);
          case "transfer-encoding" -> chunked = value.toLowerCase(Locale.ROOT).contains("chunked");
          default -> { }
        }
      }
      Buffer head = received.getBuffer(0, bodyStart);
      if (status == 101) return new Answer(status, contentType, head, Buffer.buffer(), received.getBuffer(bodyStart, received.length()));
      Buffer body;
      if (chunked) {
        body = dechunk(bodyStart);
      } else if (contentLength >= 0) {
        if (contentLength > MAX_BODY_BYTES) contentLength = MAX_BODY_BYTES;
        body = received.length() - bodyStart >= contentLength ? received.getBuffer(bodyStart, bodyStart + (int) contentLength) : null;
      } else {
        body = eof || received.length() - bodyStart >= MAX_BODY_BYTES ? received.getBuffer(bodyStart, received.length()) : null;
      }
      if (body == null && received.length() - bodyStart > MAX_BODY_BYTES) body = received.getBuffer(bodyStart, bodyStart + MAX_BODY_BYTES);
      return body == null ? null : new Answer(status, contentType, head, body, Buffer.buffer());
    }

    /** The body of a chunked message starting at {@code pos}, or null while incomplete. */
    private Buffer dechunk(int pos) {
      Buffer out = Buffer.buffer();
      while (true) {
        int lineEnd = indexOf(received, "\r\n", pos);
        if (lineEnd < 0) return null;
        String sizeField = received.getString(pos, lineEnd, "ISO-8859-1");
        int semicolon = sizeField.indexOf(';');
        int size = Integer.parseInt((semicolon >= 0 ? sizeField.substring(0, semicolon) : sizeField).trim(), 16);
        pos = lineEnd + 2;
        if (size == 0) return out;
        if (size < 0 || received.length() < pos + size + 2L) return null;
        out.appendBuffer(received.getBuffer(pos, pos + size));
        pos += size + 2;
      }
    }

    private static int indexOf(Buffer buffer, String needle, int from) {
      byte[] n = needle.getBytes(StandardCharsets.ISO_8859_1);
      outer:
      for (int i = from; i <= buffer.length() - n.length; i++) {
        for (int j = 0; j < n.length; j++) if (buffer.getByte(i + j) != n[j]) continue outer;
        return i;
      }
      return -1;
    }
  }
}
