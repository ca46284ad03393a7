package io.gubernator.client;

import io.fabric8.kubernetes.client.vertx.VertxHttpClientFactory;
import io.netty.handler.ssl.ApplicationProtocolConfig;
import io.netty.handler.ssl.ClientAuth;
import io.netty.handler.ssl.IdentityCipherSuiteFilter;
import io.netty.handler.ssl.JdkSslContext;
import io.netty.handler.ssl.SslContext;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.net.JdkSSLEngineOptions;
import io.vertx.core.spi.tls.SslContextFactory;
import io.vertx.ext.web.client.WebClientOptions;
import java.util.List;
import javax.net.ssl.SSLException;

/**
 * fabric8's Vert.x HTTP client as our components need it, found by fabric8 through
 * {@code ServiceLoader} (the priority puts it before the plain factory):
 * <ul>
 *   <li>HTTP/2 over TLS, as client-go speaks to an API server: concurrent requests share one
 *       connection. Over HTTP/1.1 every request beyond those in flight opens a connection of its
 *       own, with a full TLS handshake on both ends (in-process, both in this JVM): the
 *       scheduler's 500 concurrent preemptions cost 1,300 handshakes and most of the event loops'
 *       time. fabric8 builds its TLS context with ALPN disabled, so without ALPN offered the
 *       server would answer HTTP/1.1; the context is rebuilt around fabric8's own SSLContext (its
 *       keys and trust) with ALPN. Watches stay on WebSockets over HTTP/1.1, a connection each.
 *   <li>TLS records in Netty's pooled heap buffers: with the JDK's TLS engine Vert.x otherwise
 *       gives every record it wraps or unwraps a fresh unpooled array of 16 KiB or more (in the
 *       scheduler benchmark a fifth of all allocation, and young collections to match).
 * </ul>
 */
public final class TunedVertxHttpClientFactory extends VertxHttpClientFactory {

  @Override
  public int priority() {
    return super.priority() + 1;
  }

  @Override
  protected void additionalConfig(WebClientOptions options) {
    if (!(options.getSslEngineOptions() instanceof JdkSSLEngineOptions fabric8)) return;
    fabric8.setPooledHeapBuffers(true);
    // Plain HTTP (a mock server in a test) stays HTTP/1.1: h2c would need an upgrade round trip.
    if (!options.isSsl()) return;
    options.setSslEngineOptions(new AlpnEngineOptions(fabric8.sslContextFactory()));
    options.setProtocolVersion(HttpVersion.HTTP_2).setUseAlpn(true);
  }

  /** fabric8's engine options with the application protocols Vert.x asks for offered over ALPN. */
  private static final class AlpnEngineOptions extends JdkSSLEngineOptions {
    private final SslContextFactory fabric8;

    AlpnEngineOptions(SslContextFactory fabric8) {
      this.fabric8 = fabric8;
      setPooledHeapBuffers(true);
    }

    @Override
    public JdkSSLEngineOptions copy() {
      return this; // never changed once built, as fabric8's own
    }

    @Override
    public SslContextFactory sslContextFactory() {
      return new SslContextFactory() {
        private boolean alpn;
        private List<String> protocols = List.of();

        @Override
        public SslContextFactory useAlpn(boolean useAlpn) {
          this.alpn = useAlpn;
          return this;
        }

        @Override
        public SslContextFactory applicationProtocols(List<String> applicationProtocols) {
          this.protocols = applicationProtocols == null ? List.of() : applicationProtocols;
          return this;
        }

        @Override
        public SslContext create() throws SSLException {
          SslContext built = fabric8.create();
          if (!alpn || protocols.isEmpty() || !(built instanceof JdkSslContext jdk)) return built;
          // Vert.x sets the enabled TLS versions and ciphers on each engine, from the same options.
          return new JdkSslContext(jdk.context(), true, null, IdentityCipherSuiteFilter.INSTANCE,
              new ApplicationProtocolConfig(ApplicationProtocolConfig.Protocol.ALPN,
                  ApplicationProtocolConfig.SelectorFailureBehavior.NO_ADVERTISE,
                  ApplicationProtocolConfig.SelectedListenerFailureBehavior.ACCEPT, protocols),
              ClientAuth.NONE, null, false);
        }
      };
    }
  }
}
