package io.gubernator.kubelet.prober;

import java.io.IOException;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.NoRouteToHostException;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.Locale;

/**
 * tcpSocket probes, as Kubernetes' pkg/probe/tcp: success when a connection opens within the
 * timeout. Also the dialer of the HTTP prober, so that both word their errors as Go's net.Dial
 * does ("dial tcp 10.1.0.5:8080: connect: connection refused"): users search for those words.
 */
final class TcpProber {

  /** A connection that did not open; the message is Go's. */
  static final class DialException extends IOException {
    DialException(String message, Throwable cause) {
      super(message, cause);
    }
  }

  private TcpProber() {}

  static ProbeResult probe(String host, int port, Duration timeout) {
    try (Socket ignored = dial(host, port, timeout)) {
      return ProbeResult.success("");
    } catch (IOException e) {
      return ProbeResult.failure(e.getMessage());
    }
  }

  /** Opens a connection to host:port within {@code timeout}. */
  static Socket dial(String host, int port, Duration timeout) throws DialException {
    String addr = joinHostPort(host, port);
    InetSocketAddress address;
    try {
      address = new InetSocketAddress(java.net.InetAddress.getByName(host), port);
    } catch (UnknownHostException e) {
      throw new DialException("dial tcp: lookup " + host + ": no such host", e);
    }
    Socket socket = new Socket();
    try {
      socket.connect(address, (int) Math.max(1, timeout.toMillis()));
      socket.setTcpNoDelay(true);
      return socket;
    } catch (IOException e) {
      closeQuietly(socket);
      throw new DialException("dial tcp " + addr + ": " + goError(e), e);
    }
  }

  private static String goError(IOException e) {
    String m = e.getMessage() == null ? "" : e.getMessage().toLowerCase(Locale.ROOT);
    if (e instanceof SocketTimeoutException) return "i/o timeout";
    if (e instanceof NoRouteToHostException || m.contains("no route")) return "connect: no route to host";
    if (e instanceof ConnectException && m.contains("refused")) return "connect: connection refused";
    if (m.contains("unreachable")) return "connect: network is unreachable";
    return "connect: " + m;
  }

  /** Go's net.JoinHostPort: IPv6 literals in brackets. */
  static String joinHostPort(String host, int port) {
    return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + port;
  }

  static void closeQuietly(Socket socket) {
    try {
      socket.close();
    } catch (IOException ignored) {
      // nothing to keep from a socket that is going away
    }
  }
}
