#!/usr/bin/env bash
# Point-in-time restore benchmark: PointInTimeRestoreWorkflow against `pgbackrest restore` of the same
# data (the pgbench cluster of bench/backup/run.sh plus WAL_SECONDS of pgbench writes), same zstd
# level, to the same moment, in one run. Prints figures; it is not a test. See bench/README.md.
#
#   SCALE=20 WAL_SECONDS=30 bench/restore/run.sh     # quick
#   bench/restore/run.sh                              # SCALE=200 plus 3 minutes of WAL
#
# Environment: SCALE (200), WAL_SECONDS (180), CLIENTS (4), WORK (bench/out), PG_BINDIR
# (/usr/lib/postgresql/15/bin), TEMPORAL (temporal CLI), WORKER_JAR (worker/target/db-runbooks-worker.jar),
# WORKER_JAVA_OPTS (""), RESTORES (/tmp/db-runbooks-bench-restore-s$SCALE: both restored clusters; short,
# as a socket path must be), KEEP (0; 1 keeps the two restored data directories).
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
SCALE=${SCALE:-200}
WAL_SECONDS=${WAL_SECONDS:-180}
CLIENTS=${CLIENTS:-4}
WORK=${WORK:-$ROOT/bench/out}
PG_BINDIR=${PG_BINDIR:-/usr/lib/postgresql/15/bin}
TEMPORAL=${TEMPORAL:-$(command -v temporal || echo /root/.cache/db-runbooks/bin/temporal)}
WORKER_JAR=${WORKER_JAR:-$ROOT/worker/target/db-runbooks-worker.jar}
WORKER_JAVA_OPTS=${WORKER_JAVA_OPTS:-}
KEEP=${KEEP:-0}
TARGET=bench
SLOT=db_runbooks_$TARGET

CLUSTER=$WORK/pg-s$SCALE          # kept between runs, shared with bench/backup/run.sh
DATA=$CLUSTER/data
RUN=$WORK/restore-s$SCALE         # recreated on every run
PGBR=$RUN/pgbackrest
RESTORES=${RESTORES:-/tmp/db-runbooks-bench-restore-s$SCALE} # recreated; sockets live here, so a short path
PGBR_RESTORE=$RESTORES/pgbackrest # the cluster pgbackrest restores
PIDS=()

# shellcheck source=../lib.sh
. "$ROOT/bench/lib.sh"

cleanup() {
  local rc=$?
  set +e
  stop_started # the worker (and with it the WAL archiver's replication connection), the Temporal dev server
  local d
  for d in "$RESTORES"/*/data; do
    [[ -f $d/postmaster.pid ]] && as_pg "$PG_BINDIR/pg_ctl" -D "$d" -m fast -w stop >/dev/null 2>&1
    [[ $KEEP == 1 ]] || rm -rf "$d"
  done
  if [[ -f $DATA/postmaster.pid && -n ${PGPORT:-} ]]; then
    # The archiver's slot would make the kept cluster hold WAL forever. Its walsender may take a
    # moment to notice the worker is gone.
    for _ in $(seq 20); do
      [[ $(psql_q "SELECT count(*) FROM pg_replication_slots WHERE slot_name = '$SLOT'") == 0 ]] && break
      psql_q "SELECT pg_drop_replication_slot('$SLOT') FROM pg_replication_slots WHERE slot_name = '$SLOT' AND NOT active" >/dev/null
      sleep 0.5
    done
  fi
  stop_kept_cluster
  exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT TERM

psql_q() { as_pg "$PG_BINDIR/psql" -h 127.0.0.1 -p "$PGPORT" -U postgres -qAtX -v ON_ERROR_STOP=1 -c "$1" postgres; }
lsn_diff() { psql_q "SELECT pg_wal_lsn_diff('$1', '$2')::bigint"; }
tool() { java -cp "$WORKER_JAR" "$ROOT/bench/restore/RestoreBenchTool.java" "$@"; }

[[ $(id -u) -eq 0 ]] || die "run as root (clusters and pgbackrest run as postgres through runuser)"
[[ -f $WORKER_JAR ]] || die "no worker jar at $WORKER_JAR; build it: ./mvnw -B -q -DskipTests -pl worker -am package"
if [[ ! -f $CLUSTER/ready ]]; then
  log "no kept pgbench cluster at $CLUSTER: bench/backup/run.sh creates it"
  INIT_ONLY=1 SCALE=$SCALE WORK=$WORK PG_BINDIR=$PG_BINDIR "$ROOT/bench/backup/run.sh"
fi
log "reusing pgbench cluster $CLUSTER (scale $SCALE)"
start_pg
rm -rf "$RUN" "$RESTORES"
mkdir -p "$RUN" "$RESTORES"
chmod 755 "$WORK" "$RUN" "$RESTORES" # the restored servers and their restore_command run as postgres
chown postgres: "$RUN" "$RESTORES"
LOAD_START=$(cut -d' ' -f1-3 /proc/loadavg)
SOURCE_BYTES=$(psql_q "SELECT sum(pg_database_size(oid)) FROM pg_database")

# ---------------------------------------------------------------- 1. pgbackrest: archive + full backup
log "1. pgbackrest: archive-push, stanza-create, full backup (zst level 3, process-max=2)"
PGBR_CONF=$(pgbackrest_conf "$PGBR" $TARGET)
pgbr() { as_pg pgbackrest --config="$PGBR_CONF" --stanza=$TARGET "$@"; }
psql_q "ALTER SYSTEM SET archive_command = 'pgbackrest --config=$PGBR_CONF --stanza=$TARGET archive-push %p'"
psql_q "SELECT pg_reload_conf()" >/dev/null
pgbr stanza-create
pgbr check
pgbr --type=full backup

# ---------------------------------------------------------------- 2. db-runbooks: WAL archiver + BackupWorkflow
log "2. db-runbooks: temporal dev server, worker, WalArchiveWorkflow, BackupWorkflow (physical)"
start_temporal "$RUN/temporal.log"
WF=$RUN/wf
mkdir -p "$WF/store" "$WF/evidence" "$WF/worker"
tool keygen "$WF/keyring.json"
chown postgres "$WF/keyring.json" # WalFetchMain, the restore_command, runs as postgres and decrypts with it
write_targets "$WF/targets.yaml" "$WF"
cat >>"$WF/targets.yaml" <<EOF
    restore: { directory: $RESTORES }
    walArchive: { slot: $SLOT, flushIntervalSeconds: 1 }
EOF
chmod 644 "$WF/targets.yaml"
start_worker "$WF/targets.yaml" "$WF/worker" "$RUN/worker.log"
tctl() { "$TEMPORAL" "$@" --address "$TEMPORAL_ADDRESS"; }
tctl workflow start --task-queue db-runbooks --type WalArchiveWorkflow --workflow-id "wal-archive/$TARGET" \
  --fail-existing --input "{\"target\": \"$TARGET\", \"operator\": \"bench\"}" >/dev/null
for _ in $(seq 120); do
  [[ $(psql_q "SELECT count(*) FROM pg_replication_slots WHERE slot_name = '$SLOT' AND active") == 1 ]] && break
  sleep 0.5
done
[[ $(psql_q "SELECT count(*) FROM pg_replication_slots WHERE slot_name = '$SLOT' AND active") == 1 ]] \
  || die "the WAL archiver is not streaming after 60 s (see $RUN/worker.log)"
tctl workflow execute --task-queue db-runbooks --type BackupWorkflow --workflow-id "backup/$TARGET" \
  --input "{\"target\":\"$TARGET\",\"method\":\"physical\",\"operator\":\"bench\"}" -o json >"$WF/backup.json" \
  || die "BackupWorkflow failed (see $RUN/worker.log)"

# ---------------------------------------------------------------- 3. WAL
TIMELINE=$(psql_q "SELECT timeline_id FROM pg_control_checkpoint()")
LSN_BEFORE=$(psql_q "SELECT pg_current_wal_lsn()")
log "3. pgbench -T $WAL_SECONDS -c $CLIENTS (tpcb-like) from $LSN_BEFORE"
as_pg "$PG_BINDIR/pgbench" -h 127.0.0.1 -p "$PGPORT" -U postgres -n -T "$WAL_SECONDS" -c "$CLIENTS" -j 2 postgres \
  >"$RUN/pgbench.log" 2>&1 || { tail "$RUN/pgbench.log" >&2; die "pgbench failed"; }
TPS=$(awk '/^tps = /{print $3; exit}' "$RUN/pgbench.log")
HISTORY_ROWS=$(psql_q "SELECT count(*) FROM pgbench_history")
IFS='|' read -r T_ISO T_PG < <(psql_q "SELECT to_char(t, 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"'), to_char(t, 'YYYY-MM-DD HH24:MI:SS.US+00')
  FROM (SELECT clock_timestamp() AT TIME ZONE 'UTC' AS t) x")
sleep 1
# Recovery to a time stops at the first commit after it, so one must be in the WAL or recovery would
# run off the end of the archive and refuse ("recovery ended before configured recovery target").
psql_q "SELECT txid_current()" >/dev/null
LSN_END=$(psql_q "SELECT pg_current_wal_lsn()")
WAL_WRITTEN=$(lsn_diff "$LSN_END" "$LSN_BEFORE")
log "recovery target $T_ISO; $((WAL_WRITTEN / 1048576)) MiB of WAL written at $TPS tps; waiting for both archives"
pgbr --archive-timeout=600 check # switches the segment and waits until archive-push has it
OURS_ARCHIVE_WAIT=$(tool wait-archived "$WF/store" "$WF/keyring.json" $TARGET "$TIMELINE" "$LSN_BEFORE" "$LSN_END" 600) \
  || die "the WAL archive did not reach $LSN_END"
log "db-runbooks archive had it all $OURS_ARCHIVE_WAIT s after pgbackrest check"

# ---------------------------------------------------------------- 4a. pgbackrest restore + recovery
log "4a. pgbackrest restore --type=time --target='$T_PG' --target-action=promote, then start and wait for promotion"
as_pg mkdir -p "$PGBR_RESTORE/socket"
as_pg mkdir -m 700 "$PGBR_RESTORE/data"
PGBR_PORT=$(free_port)
pgbr_start=$(date +%s.%N)
timed runuser -u postgres -- pgbackrest --config="$PGBR_CONF" --stanza=$TARGET --pg1-path="$PGBR_RESTORE/data" \
  --type=time "--target=$T_PG" --target-action=promote restore
PGBR_UNPACK=$T_SECS
pgbr_started=$(date +%s.%N)
# The same isolation our restore applies: no archiving from the copy, loopback and a private socket.
# -w returns once it accepts connections (hot standby, at consistency); promotion comes later.
as_pg "$PG_BINDIR/pg_ctl" -D "$PGBR_RESTORE/data" -l "$PGBR_RESTORE/postgres.log" -w -t 7200 \
  -o "-p $PGBR_PORT -k $PGBR_RESTORE/socket -c listen_addresses=127.0.0.1 -c archive_mode=off -c cluster_name=$TARGET-pgbr-restore" \
  start >/dev/null
psql_r() { as_pg "$PG_BINDIR/psql" -h "$PGBR_RESTORE/socket" -p "$PGBR_PORT" -U postgres -qAtX -c "$1" postgres 2>/dev/null; }
while [[ $(psql_r "SELECT pg_is_in_recovery()") != f ]]; do
  [[ -f $PGBR_RESTORE/data/postmaster.pid ]] || { tail "$PGBR_RESTORE/postgres.log" >&2; die "the pgbackrest-restored server stopped"; }
  sleep 0.2
done
pgbr_end=$(date +%s.%N)
PGBR_TOTAL=$(echo "$pgbr_end - $pgbr_start" | bc -l)
PGBR_RECOVER=$(echo "$pgbr_end - $pgbr_started" | bc -l)
PGBR_REPLAY_LSN=$(psql_r "SELECT pg_last_wal_replay_lsn()")
PGBR_ROWS=$(psql_r "SELECT count(*) FROM pgbench_history")
PGBR_START_LSN=$(pgbr info --output=json | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["backup"][-1]["lsn"]["start"])')
PGBR_WAL_REPLAYED=$(lsn_diff "$PGBR_REPLAY_LSN" "$PGBR_START_LSN")
PGBR_BASE_BYTES=$(du -sb "$PGBR/repo/backup" | cut -f1)
PGBR_WAL_BYTES=$(du -sb "$PGBR/repo/archive" | cut -f1)
PGBR_FETCH_CMD=$(sed -n "s/^restore_command = '\(.*\)'$/\1/p" "$PGBR_RESTORE/data/postgresql.auto.conf" | tail -1 | sed "s/''/'/g")
as_pg "$PG_BINDIR/pg_ctl" -D "$PGBR_RESTORE/data" -m fast -w stop >/dev/null
log "pgbackrest: unpack $(printf %.1f "$PGBR_UNPACK") s, recovery $(printf %.1f "$PGBR_RECOVER") s"

# ---------------------------------------------------------------- 4b. PointInTimeRestoreWorkflow
log "4b. PointInTimeRestoreWorkflow to $T_ISO"
wf_start=$(date +%s.%N)
tctl workflow start --task-queue db-runbooks --type PointInTimeRestoreWorkflow --workflow-id "restore/$TARGET" \
  --fail-existing --input "{\"target\": \"$TARGET\", \"recoveryTarget\": {\"kind\": \"time\", \"value\": \"$T_ISO\"},
    \"mode\": \"isolated\", \"smokeQueries\": [{\"sql\": \"SELECT count(*) FROM pgbench_history\"}], \"operator\": \"bench\"}" >/dev/null
tctl workflow result --workflow-id "restore/$TARGET" -o json >"$WF/restore.json" 2>"$WF/restore.err" \
  || { cat "$WF/restore.json" "$WF/restore.err" >&2; die "PointInTimeRestoreWorkflow failed (see $RUN/worker.log)"; }
wf_end=$(date +%s.%N)
WF_WALL=$(echo "$wf_end - $wf_start" | bc -l)
tctl workflow show --workflow-id "restore/$TARGET" -o json >"$WF/restore-history.json"
# One python pass over the result and the history: phase durations (activity scheduled -> completed),
# the moment recovery finished relative to the workflow's start, and what was restored.
eval "$(python3 - "$WF/restore.json" "$WF/restore-history.json" <<'EOF'
import base64, json, shlex, sys
from datetime import datetime
def payload(p):
    # The CLI shows JSON payloads decoded (its default shorthand), or raw: metadata and base64 data.
    if isinstance(p, dict) and 'metadata' in p and isinstance(p.get('data'), str):
        return json.loads(base64.b64decode(p['data']))
    return p
def ts(s):
    s = s.rstrip('Z')
    if '.' in s:
        a, b = s.split('.'); s = a + '.' + b[:6]
    return datetime.fromisoformat(s)
doc = json.load(open(sys.argv[1]))
res = doc.get('result', doc)
if isinstance(res, list): res = res[0]
events = json.load(open(sys.argv[2]))
events = events.get('events', events)
started = ts(events[0]['eventTime'])
sched, steps, ends, fetch_cmd = {}, {}, {}, ''
for e in events:
    a = e.get('activityTaskScheduledEventAttributes')
    if a:
        sched[str(e['eventId'])] = (a['activityType']['name'], ts(e['eventTime']))
    c = e.get('activityTaskCompletedEventAttributes')
    if c:
        name, t0 = sched[str(c['scheduledEventId'])]
        steps[name] = steps.get(name, 0) + (ts(e['eventTime']) - t0).total_seconds()
        ends[name] = (ts(e['eventTime']) - started).total_seconds()
        if name == 'RestoreBaseBackup':
            r = c.get('result', {})
            r = r.get('payloads', [r]) if isinstance(r, dict) else r
            # The restored copy keeps no restore_command once recovered: the step's result says what it was.
            fetch_cmd = payload(r[0]).get('restoreCommand', '')
rows = [t['rows'] for t in res['checks']['rowCounts'] if t['table'].split('.')[-1] == 'pgbench_history']
out = {
  'WF_RTO': res['rtoSeconds'],
  'WF_PLAN': steps.get('PlanRestore', 0), 'WF_PROVISION': steps.get('ProvisionRestore', 0),
  'WF_UNPACK': steps.get('RestoreBaseBackup', 0), 'WF_RECOVER': steps.get('RecoverToTarget', 0),
  'WF_CHECK': steps.get('CheckRestore', 0), 'WF_RECOVERED_AT': ends['RecoverToTarget'],
  'WF_REPLAY_LSN': res['recovered']['lsn'], 'WF_START_LSN': res['plan']['backupStartLsn'],
  'WF_BASE_BYTES': res['plan']['artifact']['storedBytes'], 'WF_DATA_DIR': res['environment']['dataDirectory'],
  'WF_DIR': res['environment']['directory'],
  'WF_ROWS': rows[0] if rows else -1, 'WF_WAL_SEGMENTS': res['plan']['walSegments'],
  'WF_LAST_XACT': res['recovered']['lastTransactionTime'], 'WF_FETCH_CMD': fetch_cmd,
}
for k, v in out.items():
    print(f"{k}={shlex.quote(str(v))}")
EOF
)"
WF_WAL_REPLAYED=$(lsn_diff "$WF_REPLAY_LSN" "$WF_START_LSN")
WF_WAL_BYTES=$(du -sb "$WF/store/$TARGET/wal" | cut -f1)
WF_LOG=$WF_DIR/postgres.log
[ -n "$WF_FETCH_CMD" ] || die "no restoreCommand in the RestoreBaseBackup step's result (see $WF/restore-history.json)"

# ---------------------------------------------------------------- 5. one WAL fetch, alone
# What each restore_command costs per file, outside recovery: five segments of the pgbench run.
fetch_secs() {
  local cmd=$1 dest=$RUN/fetch-probe-$2 segs seg start end
  segs=$(psql_q "SELECT pg_walfile_name('$LSN_BEFORE'::pg_lsn + i * 16777216) FROM generate_series(1, 5) i")
  as_pg mkdir -p "$dest"
  start=$(date +%s.%N)
  for seg in $segs; do
    as_pg sh -c "$(echo "$cmd" | sed -e "s|%f|$seg|g" -e "s|%p|$dest/$seg|g" -e 's|%%|%|g')" >/dev/null 2>&1 \
      || die "fetching $seg with: $cmd"
  done
  end=$(date +%s.%N)
  echo "($end - $start) / 5" | bc -l
}
PGBR_FETCH_ONE=$(fetch_secs "$PGBR_FETCH_CMD" pgbackrest)
WF_FETCH_ONE=$(fetch_secs "$WF_FETCH_CMD" workflow)

# Where recovery spent its time, from each restored server's own log: the redo loop's elapsed time and
# the startup process's CPU ("redo done at ... system usage"), and the gap between two "restored log
# file" lines (one restore_command plus the replay of one segment: the startup process waits for each).
redo_summary() {
  python3 - "$1" <<'EOF'
import re, statistics, sys
from datetime import datetime
stamps, redo = [], "redo ? s (CPU ? s)"
for line in open(sys.argv[1]):
    if 'restored log file' in line and '.history' not in line:
        stamps.append(datetime.strptime(line[:23], '%Y-%m-%d %H:%M:%S.%f'))
    m = re.search(r'redo done at .* user: ([0-9.]+) s, system: ([0-9.]+) s, elapsed: ([0-9.]+) s', line)
    if m:
        redo = f"redo {float(m[3]):.1f} s (startup process CPU {float(m[1]) + float(m[2]):.1f} s)"
gaps = [(b - a).total_seconds() for a, b in zip(stamps, stamps[1:])] or [0]
print(f"{redo}, {len(stamps)} WAL files, median {statistics.median(gaps):.2f} s between two")
EOF
}
PGBR_REDO=$(redo_summary "$PGBR_RESTORE/postgres.log")
WF_REDO=$(redo_summary "$WF_LOG")

# ---------------------------------------------------------------- report
[[ $PGBR_ROWS == "$HISTORY_ROWS" && $WF_ROWS == "$HISTORY_ROWS" ]] \
  || log "WARNING: pgbench_history rows differ: source $HISTORY_ROWS, pgbackrest $PGBR_ROWS, workflow $WF_ROWS"
r() { printf '%.2fx' "$(echo "$1 / $2" | bc -l)"; }
mb() { printf '%.0f' "$(echo "$1 / 1048576" | bc -l)"; }
row() { printf '%-44s %8.1f %8s %12s %12s\n' "$1" "$2" "$3" "$4" "$5"; }
{
  echo
  echo "== restore benchmark $(date -u +%Y-%m-%dT%H:%M:%SZ)  scale $SCALE + $WAL_SECONDS s of pgbench WAL"
  echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(awk '/MemTotal/{printf "%.0f GB", $2/1048576}' /proc/meminfo)"
  echo "versions: $("$PG_BINDIR/postgres" --version); $(pgbackrest version); $("$TEMPORAL" --version); $(java -version 2>&1 | head -1)"
  echo "load average at start: $LOAD_START; at the end: $(cut -d' ' -f1-3 /proc/loadavg) (other work on the machine skews the figures)"
  echo "source: $(mb "$SOURCE_BYTES") MiB in databases; pgbench -c $CLIENTS -j 2 -T $WAL_SECONDS: $TPS tps, $(mb "$WAL_WRITTEN") MiB of WAL"
  echo "recovery target: time $T_ISO (end of pgbench); pgbench_history rows: source $HISTORY_ROWS, pgbackrest $PGBR_ROWS, workflow $WF_ROWS"
  echo "recovery, from the server logs: pgbackrest $PGBR_REDO; workflow $WF_REDO (plan: $WF_WAL_SEGMENTS segments)"
  echo "one restore_command alone (mean of 5 segments): pgbackrest archive-get $(printf %.2f "$PGBR_FETCH_ONE") s," \
    "WalFetchMain (a JVM per file) $(printf %.2f "$WF_FETCH_ONE") s"
  echo
  printf '%-44s %8s %8s %12s %12s\n' step seconds vs_pgbr WAL_MiB stored_MiB
  row "pgbackrest restore (unpack)" "$PGBR_UNPACK" 1.00x - "$(mb "$PGBR_BASE_BYTES")"
  row "pgbackrest recovery (start to promoted)" "$PGBR_RECOVER" 1.00x "$(mb "$PGBR_WAL_REPLAYED")" "$(mb "$PGBR_WAL_BYTES")"
  row "pgbackrest total" "$PGBR_TOTAL" 1.00x "$(mb "$PGBR_WAL_REPLAYED")" "$(mb $((PGBR_BASE_BYTES + PGBR_WAL_BYTES)))"
  row "workflow plan (re-hash backup, list WAL)" "$WF_PLAN" - - -
  row "workflow provision" "$WF_PROVISION" - - -
  row "workflow unpack (RestoreBaseBackup)" "$WF_UNPACK" "$(r "$WF_UNPACK" "$PGBR_UNPACK")" - "$(mb "$WF_BASE_BYTES")"
  row "workflow recovery (RecoverToTarget)" "$WF_RECOVER" "$(r "$WF_RECOVER" "$PGBR_RECOVER")" "$(mb "$WF_WAL_REPLAYED")" "$(mb "$WF_WAL_BYTES")"
  row "workflow start to recovered" "$WF_RECOVERED_AT" "$(r "$WF_RECOVERED_AT" "$PGBR_TOTAL")" "$(mb "$WF_WAL_REPLAYED")" "$(mb $((WF_BASE_BYTES + WF_WAL_BYTES)))"
  row "workflow checks (pg_amcheck, row counts)" "$WF_CHECK" - - -
  row "workflow RTO (result rtoSeconds)" "$WF_RTO" "$(r "$WF_RTO" "$PGBR_TOTAL")" - -
  row "workflow wall (CLI start to result)" "$WF_WALL" "$(r "$WF_WALL" "$PGBR_TOTAL")" - -
  echo
  echo "  vs_pgbr: seconds / the pgbackrest step it matches (totals against pgbackrest total); lower is faster"
  echo "  WAL_MiB: replayed, from the backup's start LSN to the last replayed LSN; stored_MiB: base backup / WAL archive / both"
  echo "  the workflow's recovered point: last transaction $WF_LAST_XACT, LSN $WF_REPLAY_LSN; pgbackrest's: LSN $PGBR_REPLAY_LSN"
  echo "  db-runbooks archive caught up $OURS_ARCHIVE_WAIT s after pgbackrest check returned"
} | tee "$RUN/report.txt"
cp "$RUN/report.txt" "$WORK/restore-report-s$SCALE-$(date -u +%Y%m%dT%H%M%SZ).txt"
