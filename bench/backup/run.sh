#!/usr/bin/env bash
# Backup benchmark: raw pg_basebackup vs pgbackrest vs BackupWorkflow, on one pgbench cluster.
# Prints figures; it is not a test. See bench/README.md.
#
#   SCALE=20 bench/backup/run.sh            # quick (~300 MB)
#   bench/backup/run.sh                     # SCALE=200 (~3 GB)
#   INIT_ONLY=1 SCALE=200 bench/backup/run.sh   # just create/keep the pgbench cluster
#
# Environment: SCALE (200), WORK (bench/out), PG_BINDIR (/usr/lib/postgresql/15/bin),
# TEMPORAL (temporal CLI), WORKER_JAR (worker/target/db-runbooks-worker.jar), WORKER_JAVA_OPTS ("").
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
SCALE=${SCALE:-200}
WORK=${WORK:-$ROOT/bench/out}
PG_BINDIR=${PG_BINDIR:-/usr/lib/postgresql/15/bin}
TEMPORAL=${TEMPORAL:-$(command -v temporal || echo /root/.cache/db-runbooks/bin/temporal)}
WORKER_JAR=${WORKER_JAR:-$ROOT/worker/target/db-runbooks-worker.jar}
WORKER_JAVA_OPTS=${WORKER_JAVA_OPTS:-}
INIT_ONLY=${INIT_ONLY:-0}
TARGET=bench

CLUSTER=$WORK/pg-s$SCALE          # kept between runs: initialising scale 200 takes minutes
DATA=$CLUSTER/data
RUN=$WORK/run-s$SCALE             # recreated on every run
PIDS=()

# shellcheck source=../lib.sh
. "$ROOT/bench/lib.sh"

cleanup() {
  local rc=$?
  set +e
  stop_started
  stop_kept_cluster
  exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT TERM

setup_cluster() {
  mkdir -p "$WORK"
  if [[ -f $CLUSTER/ready ]]; then
    log "reusing pgbench cluster $CLUSTER (scale $SCALE, initialised in $(cat "$CLUSTER/ready") s)"
    start_pg
    return
  fi
  rm -rf "$CLUSTER"
  mkdir -p "$CLUSTER"
  chown postgres: "$CLUSTER"
  log "initdb $DATA"
  as_pg "$PG_BINDIR/initdb" -D "$DATA" -U postgres -A trust --data-checksums >/dev/null
  cat >>"$DATA/postgresql.conf" <<'EOF'
# --- bench/backup/run.sh ---
shared_buffers = 1GB
maintenance_work_mem = 512MB
max_wal_size = 16GB
min_wal_size = 1GB
checkpoint_timeout = 30min
checkpoint_completion_target = 0.9
wal_level = replica
max_wal_senders = 4
archive_mode = on
archive_command = '/bin/true'
EOF
  start_pg
  log "pgbench -i -s $SCALE"
  local s e
  s=$(date +%s.%N)
  as_pg "$PG_BINDIR/pgbench" -h 127.0.0.1 -p "$PGPORT" -U postgres -i -s "$SCALE" -q postgres 2>&1 | tail -3 >&2
  as_pg "$PG_BINDIR/psql" -h 127.0.0.1 -p "$PGPORT" -U postgres -qAtc 'CHECKPOINT' postgres
  e=$(date +%s.%N)
  printf '%.1f\n' "$(echo "$e - $s" | bc -l)" >"$CLUSTER/ready"
  log "pgbench -i -s $SCALE took $(cat "$CLUSTER/ready") s"
}

setup_cluster
if [[ $INIT_ONLY == 1 ]]; then exit 0; fi

# ---------------------------------------------------------------- run directory, warm cache
[[ -f $WORKER_JAR ]] || die "no worker jar at $WORKER_JAR; build it: ./mvnw -B -q -o -DskipTests package"
rm -rf "$RUN"
mkdir -p "$RUN"
chown postgres: "$RUN"
psql_q() { as_pg "$PG_BINDIR/psql" -h 127.0.0.1 -p "$PGPORT" -U postgres -qAtX -c "$1" postgres; }
SOURCE_BYTES=$(psql_q "SELECT sum(pg_database_size(oid)) FROM pg_database")
log "cluster on port $PGPORT: $SOURCE_BYTES bytes in databases; warming the page cache"
find "$DATA" -type f -print0 | xargs -0 cat >/dev/null

declare -A SECS BYTES RSS NOTE
LOAD_START=$(cut -d' ' -f1-3 /proc/loadavg)

# ---------------------------------------------------------------- a. raw pg_basebackup
log "a. pg_basebackup -Ft -X fetch --compress=client-zstd --checkpoint=fast"
as_pg mkdir -p "$RUN/raw"
timed runuser -u postgres -- "$PG_BINDIR/pg_basebackup" -h 127.0.0.1 -p "$PGPORT" -U postgres -D "$RUN/raw/base" -Ft -X fetch \
  --compress=client-zstd --checkpoint=fast
SECS[raw]=$T_SECS; RSS[raw]=$T_RSS_KB; BYTES[raw]=$(du -sb "$RUN/raw/base" | cut -f1)
NOTE[raw]="pg_basebackup peak RSS"

# ---------------------------------------------------------------- b. pgbackrest full backup
log "b. pgbackrest backup --type=full (zst, process-max=2)"
PGBR_CONF=$(pgbackrest_conf "$RUN/pgbackrest" $TARGET)
psql_q "ALTER SYSTEM SET archive_command = 'pgbackrest --config=$PGBR_CONF --stanza=$TARGET archive-push %p'"
psql_q "SELECT pg_reload_conf()" >/dev/null
as_pg pgbackrest --config="$PGBR_CONF" --stanza=$TARGET stanza-create
as_pg pgbackrest --config="$PGBR_CONF" --stanza=$TARGET check
timed runuser -u postgres -- pgbackrest --config="$PGBR_CONF" --stanza=$TARGET --type=full backup
SECS[pgbackrest]=$T_SECS; RSS[pgbackrest]=$T_RSS_KB
BYTES[pgbackrest]=$(du -sb "$RUN/pgbackrest/repo/backup" | cut -f1)
NOTE[pgbackrest]="pgbackrest peak RSS (largest process); bytes: repo backup/ dir (WAL archive excluded)"
psql_q "ALTER SYSTEM SET archive_command = '/bin/true'"
psql_q "SELECT pg_reload_conf()" >/dev/null

# ---------------------------------------------------------------- c. BackupWorkflow
log "c. BackupWorkflow through temporal server start-dev + worker JVM"
start_temporal "$RUN/temporal.log"

mkdir -p "$RUN/wf/store" "$RUN/wf/evidence" "$RUN/wf/worker"
cat >"$RUN/wf/Keygen.java" <<'EOF'
public class Keygen {
  public static void main(String[] a) throws Exception {
    io.dbrunbooks.activities.keys.LocalKeyring.create(java.nio.file.Path.of(a[0]));
  }
}
EOF
java -cp "$WORKER_JAR" "$RUN/wf/Keygen.java" "$RUN/wf/keyring.json"
write_targets "$RUN/wf/targets.yaml" "$RUN/wf"
start_worker "$RUN/wf/targets.yaml" "$RUN/wf/worker" "$RUN/worker.log"
WORKER_IDLE_KB=$(awk '/VmHWM/{print $2}' "/proc/$WORKER_PID/status")
JVM_FLAGS=$(jcmd "$WORKER_PID" VM.flags 2>/dev/null | tail -n +2 | tr ' ' '\n' | grep -E 'MaxHeapSize|UseG1GC|UseSerialGC|UseParallelGC|InitialHeapSize' | tr '\n' ' ' || true)

wf_start=$(date +%s.%N)
"$TEMPORAL" workflow execute --address "$TEMPORAL_ADDRESS" --task-queue db-runbooks --type BackupWorkflow \
  --workflow-id "backup/$TARGET" --input "{\"target\":\"$TARGET\",\"method\":\"physical\",\"operator\":\"bench\"}" \
  -o json >"$RUN/wf/result.json" 2>"$RUN/wf/execute.err" || { cat "$RUN/wf/execute.err" >&2; die "BackupWorkflow failed (see $RUN/worker.log)"; }
wf_end=$(date +%s.%N)
WORKER_PEAK_KB=$(awk '/VmHWM/{print $2}' "/proc/$WORKER_PID/status")
"$TEMPORAL" workflow show --address "$TEMPORAL_ADDRESS" --workflow-id "backup/$TARGET" -o json >"$RUN/wf/history.json"

read -r WF_SECS TAKE_SECS STORED VERIFY_SECS < <(python3 - "$RUN/wf/result.json" "$RUN/wf/history.json" <<'EOF'
import json, sys
from datetime import datetime
def ts(s):
    s = s.rstrip('Z')
    if '.' in s:
        a, b = s.split('.'); s = a + '.' + b[:6]
    return datetime.fromisoformat(s)
doc = json.load(open(sys.argv[1]))
res = doc.get('result', doc)
if isinstance(res, list): res = res[0]
art = res['artifact']
# activity step durations from history: scheduled -> completed, by activity type
hist = json.load(open(sys.argv[2]))
events = hist.get('events', hist)
sched = {}
steps = {}
for e in events:
    a = e.get('activityTaskScheduledEventAttributes')
    if a:
        sched[str(e['eventId'])] = (a['activityType']['name'], ts(e['eventTime']))
    c = e.get('activityTaskCompletedEventAttributes')
    if c:
        name, t0 = sched[str(c['scheduledEventId'])]
        steps[name] = (ts(e['eventTime']) - t0).total_seconds()
take = steps.get('TakeBackup', (ts(art['finishedAt']) - ts(art['startedAt'])).total_seconds())
print(res['durationSeconds'], take, art['storedBytes'], steps.get('VerifyBackup', 0))
EOF
)
SECS[workflow]=$WF_SECS; BYTES[workflow]=$STORED; RSS[workflow]=$WORKER_PEAK_KB
SECS[take]=$TAKE_SECS; BYTES[take]=$STORED; RSS[take]=$WORKER_PEAK_KB
NOTE[workflow]="whole runbook: precheck, take, verify (read back, decrypt, decompress, hash), seal, notify"
NOTE[take]="TakeBackup activity alone (history: scheduled -> completed)"

# ---------------------------------------------------------------- report
PGV=$("$PG_BINDIR/postgres" --version)
{
  echo
  echo "== backup benchmark $(date -u +%Y-%m-%dT%H:%M:%SZ)  scale $SCALE (pgbench -i took $(cat "$CLUSTER/ready") s)"
  echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(awk '/MemTotal/{printf "%.0f GB", $2/1048576}' /proc/meminfo)"
  echo "versions: $PGV; $(pgbackrest version); $("$TEMPORAL" --version); $(java -version 2>&1 | head -1)"
  echo "load average at start: $LOAD_START (other work on the machine skews the figures)"
  echo "worker: $WORKER_JAR"
  echo "worker JVM: java ${WORKER_JAVA_OPTS:-(default flags)} -> $JVM_FLAGS"
  echo "source: $SOURCE_BYTES bytes (sum of pg_database_size); workflow wall incl. client: $(printf '%.1f' "$(echo "$wf_end - $wf_start" | bc -l)") s; verify step: $VERIFY_SECS s"
  echo "worker RSS after start (idle): $((WORKER_IDLE_KB / 1024)) MB"
  echo
  printf '%-24s %9s %14s %9s %9s %12s\n' method seconds bytes_stored MB/s vs_raw peak_RSS_MB
  for m in raw pgbackrest take workflow; do
    case $m in
      raw) label="pg_basebackup (raw)";; pgbackrest) label="pgbackrest full";;
      take) label="BackupWorkflow TakeBackup";; workflow) label="BackupWorkflow total";;
    esac
    printf '%-24s %9.1f %14d %9.1f %8.2fx %12d\n' "$label" "${SECS[$m]}" "${BYTES[$m]}" \
      "$(echo "$SOURCE_BYTES / 1048576 / ${SECS[$m]}" | bc -l)" "$(echo "${SECS[$m]} / ${SECS[raw]}" | bc -l)" \
      "$(( ${RSS[$m]} / 1024 ))"
  done
  echo
  for m in raw pgbackrest take workflow; do echo "  $m: ${NOTE[$m]}"; done
  echo "  vs_raw: seconds / raw pg_basebackup seconds (lower is faster); RSS for take/workflow is the worker JVM's VmHWM"
} | tee "$RUN/report.txt"
cp "$RUN/report.txt" "$WORK/report-s$SCALE-$(date -u +%Y%m%dT%H%M%SZ).txt"
