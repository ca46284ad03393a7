package io.gubernator.apiserver.auth;

import java.util.List;

/** Who made a request, as authentication found it. */
public record UserInfo(String name, List<String> groups) {
  public static final UserInfo ANONYMOUS = new UserInfo("system:anonymous", List.of("system:unauthenticated"));

  public boolean authenticated() {
    return !groups.contains("system:unauthenticated");
  }
}
