#!/usr/bin/env bash
# Pod startup latency on this node, Kubernetes density-test style: batches of localhost/busybox:1
# pods ('sleep 3600') created at once through the API against a child 'gubernator server' with its
# node agent; per pod from the create call to Running as a watch sees it, p50/p99 per batch, next
# to the floor: as many 'ctr run -d' at once against the same containerd; and the runtime's own
# share: the same pods started straight through the CRI, no API server or kubelet between. Not
# part of the test run. About 2 minutes. The whole run holds the Maven lock, so no build shares the CPU with it.
#
#   bench/pods.sh [batches=10,30,100]
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
lock=/tmp/gubernator-mvn.lock
if [ "${GUBERNATOR_BENCH_LOCKED:-}" != "$lock" ]; then
  GUBERNATOR_BENCH_LOCKED=$lock exec flock "$lock" "$0" "$@"
fi
# shellcheck source=../hack/lib.sh
. "$root/hack/lib.sh"
find_jdk
apt_install_missing "${NODE_PACKAGES[@]}"
cd "$root"
cp_file="$root/bench/target/bench.classpath"
mvn -B -q -pl launcher,bench -am -DskipTests package \
  dependency:build-classpath -Dmdep.outputFile="$cp_file" -Dmdep.includeScope=runtime
exec "$JAVA_HOME/bin/java" -Dorg.slf4j.simpleLogger.defaultLogLevel=warn -Djava.util.logging.config.file=/dev/null \
  -cp "$root/bench/target/classes:$(cat "$cp_file")" io.gubernator.bench.kubelet.PodStartupBenchmark "$root" "$@"
