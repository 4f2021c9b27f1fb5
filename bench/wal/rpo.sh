#!/usr/bin/env bash
# WAL archive RPO under a steady insert load. Prints figures; it is not a test. See bench/README.md.
#
#   bench/wal/rpo.sh                       # 60 s at 200 tx/s, flush every 1000 ms
#   SECONDS_=30 RATE=500 FLUSH_MS=500 bench/wal/rpo.sh
#   CALL_SECONDS=10 bench/wal/rpo.sh       # what activity call boundaries cost (the workflow's calls are 300 s)
#
# Environment: WORK (bench/out/wal-rpo, recreated), SECONDS_ (60), RATE (200), FLUSH_MS (1000), CALL_SECONDS (300),
# WORKER_JAR (worker/target/db-runbooks-worker.jar), PG_BINDIR (found like the worker finds it).
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
WORK=${WORK:-$ROOT/bench/out/wal-rpo}
DURATION=${SECONDS_:-60}
RATE=${RATE:-200}
FLUSH_MS=${FLUSH_MS:-1000}
CALL_SECONDS=${CALL_SECONDS:-300}
WORKER_JAR=${WORKER_JAR:-$ROOT/worker/target/db-runbooks-worker.jar}

if [[ ! -f $WORKER_JAR ]]; then
  echo "building $WORKER_JAR" >&2
  (cd "$ROOT" && ./mvnw -B -q -DskipTests -pl worker -am package)
fi
# The cluster runs as postgres under root: its directory must be reachable by that user.
rm -rf "$WORK"
mkdir -p "$WORK"
chmod o+x "$WORK" "$(dirname "$WORK")" 2>/dev/null || true

# The driver stops PostgreSQL when it ends, also on failure or Ctrl-C (a shutdown hook).
exec java -cp "$WORKER_JAR" "$ROOT/bench/wal/RpoBench.java" "$WORK" "$DURATION" "$RATE" "$FLUSH_MS" "$CALL_SECONDS"
