package io.gubernator.store;

import io.gubernator.store.embedded.EmbeddedStore;
import io.gubernator.store.etcd.EtcdStore;
import java.net.URI;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

/** Opens a {@link Store} chosen by URL, as kine does: {@code embedded:///path} or {@code etcd://host:port[,host:port]}. */
public final class Stores {
  private Stores() {}

  public static Store open(String url) {
    return open(url, StoreOptions.defaults());
  }

  public static Store open(String url, StoreOptions options) {
    int colon = url.indexOf("://");
    if (colon < 0) {
      throw new IllegalArgumentException("store URL needs a scheme (embedded:// or etcd://): " + url);
    }
    String scheme = url.substring(0, colon);
    String rest = url.substring(colon + 3);
    return switch (scheme) {
      case "embedded" -> {
        // URI parsing handles percent-escapes in the path; the authority must be empty (embedded:///abs).
        URI uri = URI.create(url);
        if (uri.getPath() == null || !uri.getPath().startsWith("/") || uri.getAuthority() != null) {
          throw new IllegalArgumentException("embedded store URL must be embedded:///absolute/path: " + url);
        }
        yield EmbeddedStore.open(Path.of(uri.getPath()), options);
      }
      // Several host:port pairs do not form a valid URI authority, so split by hand.
      case "etcd" -> {
        String hosts = rest.endsWith("/") ? rest.substring(0, rest.length() - 1) : rest;
        List<String> endpoints = Arrays.stream(hosts.split(",")).map(String::strip)
            .filter(s -> !s.isEmpty()).map(hp -> "http://" + hp).toList();
        if (endpoints.isEmpty()) {
          throw new IllegalArgumentException("etcd store URL needs host:port: " + url);
        }
        yield EtcdStore.connect(endpoints, options);
      }
      default -> throw new IllegalArgumentException("unknown store scheme " + scheme + " in " + url);
    };
  }
}
