# Shared by ./gubernator and hack/test: find a JDK >= 21 and Maven, install missing system packages.
# shellcheck shell=bash

java_major() { # prints the feature version of the java binary $1
  "$1" -XshowSettings:properties -version 2>&1 | awk -F'= ' '/java.specification.version/ {print $2; exit}'
}

find_jdk() { # sets JAVA_HOME to a JDK >= 21 (JAVA_HOME first, then the system's JVM directory) and JAVA_MAJOR
  local candidate v
  for candidate in "${JAVA_HOME:-}" /usr/lib/jvm/*; do
    [ -n "$candidate" ] && [ -x "$candidate/bin/javac" ] || continue
    v=$(java_major "$candidate/bin/java" || true) # a JVM that does not run (a broken install) is skipped
    if [ -n "$v" ] && [ "${v%%.*}" -ge 21 ]; then
      export JAVA_HOME="$candidate"
      JAVA_MAJOR="${v%%.*}"
      return 0
    fi
  done
  echo "gubernator: no JDK 21 or newer found (set JAVA_HOME, or install one under /usr/lib/jvm)" >&2
  return 1
}

apt_install_missing() { # apt_install_missing <command-or-path>:<package> ...; installs only as root
  local missing=() spec what pkg
  for spec in "$@"; do
    what=${spec%%:*}; pkg=${spec#*:}
    # The sbin directories count even when PATH lacks them (runc lives in /usr/sbin; containerd,
    # which the agent starts with them on its PATH, finds it there).
    if [[ "$what" == /* ]]; then [ -e "$what" ] && continue
    else PATH="$PATH:/usr/local/sbin:/usr/sbin:/sbin" command -v "$what" >/dev/null 2>&1 && continue; fi
    missing+=("$pkg")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  if [ "$(id -u)" -ne 0 ]; then
    echo "gubernator: missing system packages: ${missing[*]} (run as root to install them)" >&2
    return 1
  fi
  echo "gubernator: installing ${missing[*]}" >&2
  DEBIAN_FRONTEND=noninteractive apt-get update -q >/dev/null &&
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${missing[@]}" >/dev/null
}

# What building needs besides Maven: the kubelet module compiles its pause program with
# gcc -static, which needs the static C library (libc.a from libc6-dev).
BUILD_PACKAGES=(gcc:gcc "/usr/lib/$(uname -m)-linux-gnu/libc.a:libc6-dev")

# What a node agent needs to run its own containerd: containerd (with ctr), runc, the standard
# CNI plugins, iptables (the pod egress rule, hostPort), and busybox-static, from which the
# built-in localhost/busybox:1 image is made.
NODE_PACKAGES=(containerd:containerd runc:runc /usr/lib/cni/bridge:containernetworking-plugins
  iptables:iptables /usr/bin/busybox:busybox-static)

needs_node_packages() { # needs_node_packages <gubernator args>: true when the command runs an agent with its own containerd
  local cmd="" arg
  for arg in "$@"; do
    case "$arg" in
      --disable-agent | --disable-agent=true | --container-runtime-endpoint | --container-runtime-endpoint=*) return 1 ;;
      -*) ;;
      *) [ -z "$cmd" ] && cmd=$arg ;;
    esac
  done
  [ "$cmd" = server ] || [ "$cmd" = agent ]
}
