/*
 * The pod sandbox ("pause") process of Gubernator's own sandbox image.
 *
 * It holds the pod's namespaces open while the pod's containers come and go, so it must never
 * exit on its own. As PID 1 of a shared PID namespace it also inherits every orphan, so it reaps
 * them; otherwise zombies would pile up in the pod. The kernel ignores signals a PID 1 has no
 * handler for, so SIGINT/SIGTERM need explicit handlers or StopPodSandbox would wait for SIGKILL.
 */
#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

/* Unbuffered write(2): nothing is lost when a signal handler _exit()s. */
static void say(int fd, const char *msg) {
  ssize_t ignored = write(fd, msg, strlen(msg));
  (void)ignored;
}

static void on_terminate(int sig) {
  (void)sig;
  _exit(0);
}

static void on_child(int sig) {
  (void)sig;
  int saved = errno; /* waitpid may clobber errno of the interrupted pause() */
  while (waitpid(-1, NULL, WNOHANG) > 0) {
  }
  errno = saved;
}

int main(int argc, char **argv) {
  if (argc > 1 && strcmp(argv[1], "-v") == 0) {
    say(1, "gubernator pause 1\n");
    return 0;
  }
  if (getpid() != 1) {
    /* Still useful outside a PID namespace (e.g. when the runtime shares the host's PID
       namespace), but say so: it will not be reaping the pod's orphans. */
    say(2, "pause: not running as PID 1\n");
  }
  struct sigaction terminate = {.sa_handler = on_terminate};
  sigemptyset(&terminate.sa_mask);
  if (sigaction(SIGINT, &terminate, NULL) < 0 || sigaction(SIGTERM, &terminate, NULL) < 0) {
    say(2, "pause: sigaction failed\n");
    return 1;
  }
  struct sigaction child = {.sa_handler = on_child, .sa_flags = SA_NOCLDSTOP | SA_RESTART};
  sigemptyset(&child.sa_mask);
  if (sigaction(SIGCHLD, &child, NULL) < 0) {
    say(2, "pause: sigaction failed\n");
    return 1;
  }
  for (;;) {
    pause();
  }
  say(2, "pause: unreachable\n");
  return 42;
}
