#!/usr/bin/env bash
# Store benchmark: the embedded store against etcd 3.4 (started here on loopback with its own temp
# data dir and default fsync), in one run on this machine, printing a table with embedded/etcd ratios.
#
#   bench/store.sh [seconds-per-write-case]     (default 5; about 2 minutes in total)
#
# Not part of the test run. Builds with Maven under the shared build lock, then runs the main class.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# shellcheck source=../hack/lib.sh
. "$root/hack/lib.sh"
find_jdk
apt_install_missing /usr/bin/etcd:etcd-server
cd "$root"
cp_file="$root/bench/target/store-bench.classpath"
flock /tmp/gubernator-mvn.lock mvn -B -q -pl bench -am -DskipTests package \
  dependency:build-classpath -Dmdep.outputFile="$cp_file" -Dmdep.includeScope=runtime
exec "$JAVA_HOME/bin/java" -Dorg.slf4j.simpleLogger.defaultLogLevel=warn \
  -cp "$root/bench/target/classes:$(cat "$cp_file")" io.gubernator.bench.store.StoreBenchmark "$@"
