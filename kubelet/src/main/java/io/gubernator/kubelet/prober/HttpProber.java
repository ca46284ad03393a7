package io.gubernator.kubelet.prober;

import io.fabric8.kubernetes.api.model.HTTPHeader;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.SSLSocketFactory;
import javax.net.ssl.X509ExtendedTrustManager;

/**
 * httpGet probes, as Kubernetes' pkg/probe/http: one GET with "Connection: close" (the kubelet
 * disables keep-alives so that probes never pile up idle connections in pods), any certificate
 * accepted, 200–399 a success, redirects followed only while they stay on the same host (a
 * redirect elsewhere ends the probe as a warning), everything within one timeout.
 *
 * <p>A small HTTP/1.1 client of its own rather than the JDK's: a probe's Host header must be
 * settable per request, and HTTPS must skip verification for this client alone; the JDK clients
 * allow both only through JVM-wide system properties.
 */
final class HttpProber {

  /** The kubelet's User-Agent: kube-probe/major.minor of the Kubernetes version served. */
  static final String USER_AGENT = "kube-probe/1.32";
  static final int MAX_BODY = 10 * 1024;
  private static final int MAX_REDIRECTS = 10;
  private static final int MAX_HEADER_BYTES = 64 * 1024;

  private final SSLSocketFactory tls = insecureTls();

  /** The probe's URL, as Kubernetes' formatURL builds it: scheme://host:port + path (which may carry a query). */
  static URI url(String scheme, String host, int port, String path) {
    String s = scheme == null || scheme.isEmpty() ? "http" : scheme.toLowerCase(Locale.ROOT);
    String p = path == null || path.isEmpty() ? "/" : path.startsWith("/") ? path : "/" + path;
    try {
      return URI.create(s + "://" + TcpProber.joinHostPort(host, port) + p);
    } catch (IllegalArgumentException e) {
      // Too late to reject a path the API accepted: send it escaped rather than not at all.
      int q = p.indexOf('?');
      try {
        return new URI(s, null, host, port, q < 0 ? p : p.substring(0, q), q < 0 ? null : p.substring(q + 1), null);
      } catch (URISyntaxException e2) {
        throw new IllegalArgumentException("invalid probe path " + path, e2);
      }
    }
  }

  ProbeResult probe(URI url, List<HTTPHeader> probeHeaders, Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    List<String[]> headers = headers(probeHeaders);
    String hostHeader = remove(headers, "Host");
    URI current = url;
    for (int requests = 1; ; requests++) {
      Response r;
      try {
        r = exchange(current, hostHeader, headers, deadline);
      } catch (IOException e) {
        return ProbeResult.failure("Get \"" + current + "\": " + goError(e));
      }
      if (r.isRedirect() && r.location != null) {
        URI next;
        try {
          next = current.resolve(r.location);
        } catch (IllegalArgumentException e) {
          return ProbeResult.failure("Get \"" + current + "\": failed to parse Location header \"" + r.location + "\"");
        }
        // As Kubernetes' RedirectChecker without followNonLocalRedirects: the kubelet must not be
        // sent to probe some other host on a pod's behalf.
        if (hostName(next).equalsIgnoreCase(hostName(url))) {
          if (requests >= MAX_REDIRECTS) return ProbeResult.failure("Get \"" + next + "\": stopped after 10 redirects");
          // Go keeps a custom Host header only through relative redirects.
          if (URI.create(r.location).isAbsolute()) hostHeader = null;
          current = next;
          continue;
        }
      }
      return classify(r);
    }
  }

  static ProbeResult classify(Response r) {
    if (r.status >= 200 && r.status < 400) {
      if (r.status >= 300) return ProbeResult.warning("Probe terminated redirects, Response body: " + r.body);
      return ProbeResult.success(r.body);
    }
    // Kubernetes keeps the body out of this message on purpose (issue 99425): it reaches events.
    return ProbeResult.failure("HTTP probe failed with statuscode: " + r.status);
  }

  record Response(int status, String location, String body) {
    boolean isRedirect() {
      return status == 301 || status == 302 || status == 303 || status == 307 || status == 308;
    }
  }

  private Response exchange(URI url, String hostHeader, List<String[]> headers, long deadline) throws IOException {
    boolean https = "https".equals(url.getScheme());
    int port = url.getPort() > 0 ? url.getPort() : https ? 443 : 80;
    String host = hostName(url);
    Socket socket = TcpProber.dial(host, port, remaining(deadline));
    try {
      if (https) {
        SSLSocket ssl = (SSLSocket) tls.createSocket(socket, host, port, true);
        ssl.setSoTimeout(millis(deadline));
        ssl.startHandshake();
        socket = ssl;
      }
      StringBuilder req = new StringBuilder();
      String target = (url.getRawPath() == null || url.getRawPath().isEmpty() ? "/" : url.getRawPath())
          + (url.getRawQuery() == null ? "" : "?" + url.getRawQuery());
      req.append("GET ").append(target).append(" HTTP/1.1\r\n");
      req.append("Host: ").append(hostHeader != null ? hostHeader : url.getRawAuthority()).append("\r\n");
      for (String[] h : headers) req.append(h[0]).append(": ").append(h[1]).append("\r\n");
      req.append("Connection: close\r\n\r\n");
      OutputStream out = socket.getOutputStream();
      out.write(req.toString().getBytes(StandardCharsets.ISO_8859_1));
      out.flush();
      return read(new DeadlineInput(socket, deadline));
    } finally {
      TcpProber.closeQuietly(socket);
    }
  }

  private static Response read(DeadlineInput in) throws IOException {
    int status;
    List<String> lines;
    do {
      lines = new ArrayList<>();
      String statusLine = in.line();
      String[] parts = statusLine.split(" ", 3);
      if (parts.length < 2 || !parts[0].startsWith("HTTP/")) throw new IOException("malformed HTTP response \"" + statusLine + "\"");
      try {
        status = Integer.parseInt(parts[1]);
      } catch (NumberFormatException e) {
        throw new IOException("malformed HTTP status code \"" + parts[1] + "\"");
      }
      for (String line = in.line(); !line.isEmpty(); line = in.line()) lines.add(line);
    } while (status >= 100 && status < 200);
    in.headersDone = true;
    String location = null;
    String encoding = null;
    long length = -1;
    for (String line : lines) {
      int colon = line.indexOf(':');
      if (colon <= 0) continue;
      String name = line.substring(0, colon).trim().toLowerCase(Locale.ROOT);
      String value = line.substring(colon + 1).trim();
      switch (name) {
        case "location" -> location = value;
        case "transfer-encoding" -> encoding = value.toLowerCase(Locale.ROOT);
        case "content-length" -> {
          try {
            length = Long.parseLong(value);
          } catch (NumberFormatException ignored) {
            length = -1;
          }
        }
        default -> { }
      }
    }
    String body = "";
    if (status != 204 && status != 304) {
      try {
        body = encoding != null && encoding.contains("chunked") ? in.chunked() : in.upTo(length);
      } catch (IOException e) {
        // The status decides the probe; a body cut short only shortens its output.
        body = in.partial();
      }
    }
    return new Response(status, location, body);
  }

  /** Socket input whose every read ends at the probe's deadline, so one timeout bounds the whole exchange. */
  private static final class DeadlineInput {
    private final Socket socket;
    private final InputStream in;
    private final long deadline;
    private final ByteArrayOutputStream body = new ByteArrayOutputStream();
    boolean headersDone;
    private int headerBytes;

    DeadlineInput(Socket socket, long deadline) throws IOException {
      this.socket = socket;
      this.in = new java.io.BufferedInputStream(socket.getInputStream(), 8192);
      this.deadline = deadline;
    }

    int read() throws IOException {
      socket.setSoTimeout(millis(deadline));
      int b = in.read();
      if (b < 0 && !headersDone) throw new IOException("EOF");
      return b;
    }

    String line() throws IOException {
      ByteArrayOutputStream line = new ByteArrayOutputStream();
      for (int b = read(); b != '\n'; b = read()) {
        if (b < 0) throw new IOException("unexpected EOF");
        if (++headerBytes > MAX_HEADER_BYTES) throw new IOException("server response headers exceeded " + MAX_HEADER_BYTES + " bytes");
        if (b != '\r') line.write(b);
      }
      return line.toString(StandardCharsets.ISO_8859_1);
    }

    String upTo(long length) throws IOException {
      long want = length < 0 ? MAX_BODY : Math.min(length, MAX_BODY);
      while (body.size() < want) {
        int b = read();
        if (b < 0) break;
        body.write(b);
      }
      return partial();
    }

    String chunked() throws IOException {
      while (body.size() < MAX_BODY) {
        String size = line().trim();
        int semicolon = size.indexOf(';');
        int n = Integer.parseInt(semicolon < 0 ? size : size.substring(0, semicolon).trim(), 16);
        if (n == 0) break;
        for (int i = 0; i < n && body.size() < MAX_BODY; i++) {
          int b = read();
          if (b < 0) return partial();
          body.write(b);
        }
        if (body.size() < MAX_BODY) line();
      }
      return partial();
    }

    String partial() {
      return body.toString(StandardCharsets.UTF_8);
    }
  }

  /** Header names canonicalized as Go's http.Header does, with the kubelet's User-Agent and Accept defaults. */
  static List<String[]> headers(List<HTTPHeader> probeHeaders) {
    List<String[]> headers = new ArrayList<>();
    if (probeHeaders != null) {
      for (HTTPHeader h : probeHeaders) {
        if (h.getName() == null || h.getName().isBlank()) continue;
        headers.add(new String[] {canonical(h.getName()), h.getValue() == null ? "" : h.getValue()});
      }
    }
    if (headers.stream().noneMatch(h -> h[0].equals("User-Agent"))) headers.add(new String[] {"User-Agent", USER_AGENT});
    if (headers.stream().noneMatch(h -> h[0].equals("Accept"))) {
      headers.add(new String[] {"Accept", "*/*"});
    } else if (headers.stream().filter(h -> h[0].equals("Accept")).findFirst().orElseThrow()[1].isEmpty()) {
      // An Accept overridden with nothing means "send none", as Kubernetes reads it.
      headers.removeIf(h -> h[0].equals("Accept"));
    }
    return headers;
  }

  static String canonical(String name) {
    StringBuilder b = new StringBuilder(name.length());
    boolean upper = true;
    for (char c : name.trim().toCharArray()) {
      b.append(upper ? Character.toUpperCase(c) : Character.toLowerCase(c));
      upper = c == '-';
    }
    return b.toString();
  }

  private static String remove(List<String[]> headers, String name) {
    String value = null;
    for (String[] h : headers) if (h[0].equals(name) && value == null) value = h[1];
    headers.removeIf(h -> h[0].equals(name));
    return value;
  }

  private static String hostName(URI u) {
    String h = u.getHost() == null ? "" : u.getHost();
    return h.startsWith("[") && h.endsWith("]") ? h.substring(1, h.length() - 1) : h;
  }

  private static String goError(IOException e) {
    if (e instanceof SocketTimeoutException || e.getCause() instanceof SocketTimeoutException) {
      return "context deadline exceeded (Client.Timeout exceeded while awaiting headers)";
    }
    return e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
  }

  private static Duration remaining(long deadline) throws SocketTimeoutException {
    long left = deadline - System.nanoTime();
    if (left <= 0) throw new SocketTimeoutException("deadline");
    return Duration.ofNanos(left);
  }

  private static int millis(long deadline) throws SocketTimeoutException {
    return (int) Math.max(1, Math.min(Integer.MAX_VALUE, remaining(deadline).toMillis()));
  }

  /** TLS that accepts any certificate and host name, as the kubelet's probes do (InsecureSkipVerify). */
  private static SSLSocketFactory insecureTls() {
    X509ExtendedTrustManager trustAll = new X509ExtendedTrustManager() {
      @Override public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket) { }
      @Override public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket) { }
      @Override public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine) { }
      @Override public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine) { }
      @Override public void checkClientTrusted(X509Certificate[] chain, String authType) { }
      @Override public void checkServerTrusted(X509Certificate[] chain, String authType) { }
      @Override public X509Certificate[] getAcceptedIssuers() { return new X509Certificate[0]; }
    };
    try {
      SSLContext context = SSLContext.getInstance("TLS");
      context.init(null, new javax.net.ssl.TrustManager[] {trustAll}, new SecureRandom());
      return context.getSocketFactory();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("no TLS in this JVM", e);
    }
  }
}
