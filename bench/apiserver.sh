#!/usr/bin/env bash
# API server benchmark (issue 3): a child 'gubernator server' against fabric8's KubernetesMockServer
# 7.8.0 with the same fabric8 client in one run; concurrent creates, paced writes, watch fan-out,
# LIST of 10,000 pods, RSS after start. Not part of the test run. About 2 minutes.
#
#   bench/apiserver.sh [all|seq|concurrent|paced|watch|list]...
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# shellcheck source=../hack/lib.sh
. "$root/hack/lib.sh"
find_jdk
cd "$root"
cp_file="$root/bench/target/bench.classpath"
flock /tmp/gubernator-mvn.lock mvn -B -q -pl launcher,bench -am -DskipTests package \
  dependency:build-classpath -Dmdep.outputFile="$cp_file" -Dmdep.includeScope=runtime
exec "$JAVA_HOME/bin/java" -Dorg.slf4j.simpleLogger.defaultLogLevel=warn -Djava.util.logging.config.file=/dev/null \
  -cp "$root/bench/target/classes:$(cat "$cp_file")" io.gubernator.bench.apiserver.ApiServerBenchmark "$root" "$@"
