package io.gubernator.launcher;

import java.nio.file.Path;

/** The typed configuration of {@code gubernator server}, after defaults are resolved. */
public record ServerConfig(Path dataDir, String bindAddress, int httpsPort, String datastoreEndpoint, boolean disableAgent,
    int hollowNodes) {

  public static Path defaultDataDir() {
    boolean root = "root".equals(System.getProperty("user.name"));
    return root ? Path.of("/var/lib/gubernator") : Path.of(System.getProperty("user.home"), ".gubernator");
  }

  public String resolvedDatastore() {
    return datastoreEndpoint == null || datastoreEndpoint.isBlank()
        ? "embedded://" + dataDir.toAbsolutePath().resolve("db")
        : datastoreEndpoint;
  }
}
