package io.gubernator.apiserver.auth;

import io.gubernator.api.errors.StatusException;
import java.util.ArrayList;
import java.util.List;

/**
 * Kubernetes' impersonation headers ({@code kubectl --as}, {@code --as-group}): the request runs as
 * the user they name. Whether the authenticated user may impersonate is an authorization question;
 * until RBAC every authenticated user may, as under Kubernetes' AlwaysAllow.
 */
public final class Impersonation {

  public static final String USER = "Impersonate-User";
  public static final String GROUP = "Impersonate-Group";
  public static final String UID = "Impersonate-Uid";
  private static final String EXTRA = "impersonate-extra-";
  private static final String SERVICE_ACCOUNT_PREFIX = "system:serviceaccount:";

  private Impersonation() {}

  /**
   * The user a request runs as: {@code authenticated} itself without impersonation headers, else
   * the impersonated user, with the groups Kubernetes adds (service accounts' groups,
   * system:authenticated).
   *
   * @param headers the request's header names and values, names in any case
   */
  public static UserInfo apply(UserInfo authenticated, List<java.util.Map.Entry<String, String>> headers) {
    String user = null;
    List<String> groups = new ArrayList<>();
    boolean other = false;
    for (var h : headers) {
      String name = h.getKey();
      if (name.equalsIgnoreCase(USER)) user = h.getValue();
      else if (name.equalsIgnoreCase(GROUP)) groups.add(h.getValue());
      else if (name.equalsIgnoreCase(UID) || name.toLowerCase(java.util.Locale.ROOT).startsWith(EXTRA)) other = true;
    }
    if (user == null) {
      if (!groups.isEmpty() || other) {
        throw StatusException.badRequest("requested impersonation of groups, uid or extra fields without impersonating a user");
      }
      return authenticated;
    }
    if (!authenticated.authenticated()) throw StatusException.unauthorized();
    if (user.startsWith(SERVICE_ACCOUNT_PREFIX)) {
      String[] parts = user.substring(SERVICE_ACCOUNT_PREFIX.length()).split(":", -1);
      if (parts.length != 2 || parts[0].isEmpty() || parts[1].isEmpty()) {
        throw StatusException.badRequest("invalid service account name \"" + user + "\"");
      }
      if (groups.isEmpty()) {
        groups.add("system:serviceaccounts");
        groups.add("system:serviceaccounts:" + parts[0]);
      }
    }
    if (!user.equals("system:anonymous") && !groups.contains("system:authenticated")) groups.add("system:authenticated");
    if (user.equals("system:anonymous") && !groups.contains("system:unauthenticated")) groups.add("system:unauthenticated");
    return new UserInfo(user, List.copyOf(groups));
  }
}
