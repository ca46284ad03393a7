package io.gubernator.apiserver.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.gubernator.api.errors.StatusException;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ImpersonationTest {

  private static final UserInfo ADMIN = new UserInfo("admin", List.of("system:masters", "system:authenticated"));

  @Test
  void withoutHeadersTheRequestRunsAsItsAuthenticatedUser() {
    assertThat(Impersonation.apply(ADMIN, List.of(Map.entry("Accept", "application/json")))).isSameAs(ADMIN);
  }

  @Test
  void anImpersonatedUserIsAuthenticatedWithTheGroupsAskedFor() {
    assertThat(Impersonation.apply(ADMIN, List.of(Map.entry("impersonate-user", "jane"), Map.entry("Impersonate-Group", "devs"))))
        .isEqualTo(new UserInfo("jane", List.of("devs", "system:authenticated")));
    assertThat(Impersonation.apply(ADMIN, List.of(Map.entry("Impersonate-User", "system:anonymous"))))
        .isEqualTo(new UserInfo("system:anonymous", List.of("system:unauthenticated")));
  }

  @Test
  void aServiceAccountGetsItsGroups() {
    assertThat(Impersonation.apply(ADMIN, List.of(Map.entry("Impersonate-User", "system:serviceaccount:kube-system:default"))).groups())
        .containsExactly("system:serviceaccounts", "system:serviceaccounts:kube-system", "system:authenticated");
    assertThatThrownBy(() -> Impersonation.apply(ADMIN, List.of(Map.entry("Impersonate-User", "system:serviceaccount:nope"))))
        .isInstanceOfSatisfying(StatusException.class, e -> assertThat(e.code()).isEqualTo(400));
  }

  @Test
  void groupsWithoutAUserAreABadRequestAndAnonymousMayNotImpersonate() {
    assertThatThrownBy(() -> Impersonation.apply(ADMIN, List.of(Map.entry("Impersonate-Group", "devs"))))
        .isInstanceOfSatisfying(StatusException.class, e -> assertThat(e.code()).isEqualTo(400));
    assertThatThrownBy(() -> Impersonation.apply(UserInfo.ANONYMOUS, List.of(Map.entry("Impersonate-User", "jane"))))
        .isInstanceOfSatisfying(StatusException.class, e -> assertThat(e.code()).isEqualTo(401));
  }
}
