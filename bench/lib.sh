# Shared by the bench scripts: logging, running as the postgres user, picking a free port.
# shellcheck shell=bash

log() { printf '[%(%H:%M:%S)T] %s\n' -1 "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }
as_pg() { runuser -u postgres -- "$@"; }

free_port() {
  local p
  while :; do
    p=$((20000 + RANDOM % 20000))
    if ! ss -Htln "sport = :$p" | grep -q .; then echo "$p"; return; fi
  done
}

# Stops the background processes the script started (their ids in the PIDS array) and reaps them.
stop_started() {
  local pid
  for pid in "${PIDS[@]:-}"; do
    [[ -n $pid ]] && kill "$pid" 2>/dev/null
  done
  for pid in "${PIDS[@]:-}"; do
    [[ -n $pid ]] && wait "$pid" 2>/dev/null
  done
  return 0
}

# Runs "$@" under /usr/bin/time -v; sets T_SECS (wall) and T_RSS_KB (peak RSS of the largest process).
# Its scratch file goes into $RUN.
timed() {
  local tv=$RUN/time.$$.txt start end
  start=$(date +%s.%N)
  /usr/bin/time -v -o "$tv" "$@"
  end=$(date +%s.%N)
  T_SECS=$(echo "$end - $start" | bc -l)
  T_RSS_KB=$(awk -F': ' '/Maximum resident set size/{print $2}' "$tv")
}

# The kept pgbench cluster of bench/backup/run.sh ($DATA, socket and log in $CLUSTER), started on a
# free port; exports PGHOST, PGPORT, PGUSER, PGDATABASE.
start_pg() {
  PGPORT=$(free_port)
  as_pg "$PG_BINDIR/pg_ctl" -D "$DATA" -l "$CLUSTER/postgres.log" -w -t 600 \
    -o "-p $PGPORT -k $CLUSTER -c listen_addresses=127.0.0.1" start >/dev/null
  export PGHOST=127.0.0.1 PGPORT PGUSER=postgres PGDATABASE=postgres
}

# Stops the kept cluster, leaving it archiving nowhere rather than into this run's pgbackrest
# repository (deleted by the next run).
stop_kept_cluster() {
  [[ -f $DATA/postmaster.pid ]] || return 0
  [[ -n ${PGPORT:-} ]] && as_pg "$PG_BINDIR/psql" -h 127.0.0.1 -p "$PGPORT" -U postgres -qAtX \
    -c "ALTER SYSTEM SET archive_command = '/bin/true'" -c "SELECT pg_reload_conf()" postgres >/dev/null 2>&1
  as_pg "$PG_BINDIR/pg_ctl" -D "$DATA" -m fast -w stop >/dev/null 2>&1
}

# `temporal server start-dev` on free ports with the four Runbook* search attributes, its log in $1;
# waits until it answers and exports TEMPORAL_ADDRESS.
start_temporal() {
  local log_file=$1 tport thttp tmetrics
  tport=$(free_port); thttp=$(free_port); tmetrics=$(free_port)
  "$TEMPORAL" server start-dev --headless --ip 127.0.0.1 --port "$tport" --http-port "$thttp" --metrics-port "$tmetrics" \
    --log-level warn \
    --search-attribute RunbookTarget=Keyword --search-attribute RunbookName=Keyword \
    --search-attribute RunbookPhase=Keyword --search-attribute RunbookOperator=Keyword \
    >"$log_file" 2>&1 &
  PIDS+=($!)
  export TEMPORAL_ADDRESS=127.0.0.1:$tport
  for _ in $(seq 120); do
    "$TEMPORAL" operator cluster health --address "$TEMPORAL_ADDRESS" >/dev/null 2>&1 && return 0
    sleep 0.5
  done
  die "temporal dev server did not start (see $log_file)"
}

# The worker jar ($WORKER_JAR, flags $WORKER_JAVA_OPTS) as its own JVM: $1 targets file, $2 work
# directory, $3 log. Sets WORKER_PID and waits until the worker says it is ready.
start_worker() {
  local targets=$1 work_dir=$2 log_file=$3
  # shellcheck disable=SC2086
  PG_BINDIR=$PG_BINDIR java $WORKER_JAVA_OPTS -jar "$WORKER_JAR" --targets "$targets" --work-dir "$work_dir" \
    >"$log_file" 2>&1 &
  WORKER_PID=$!
  PIDS+=("$WORKER_PID")
  for _ in $(seq 120); do
    grep -q 'worker ready' "$log_file" && return 0
    kill -0 "$WORKER_PID" 2>/dev/null || die "worker exited (see $log_file)"
    sleep 0.5
  done
  die "worker not ready after 60 s (see $log_file)"
}

# A pgBackRest configuration for the kept cluster ($DATA, $PGPORT, socket in $CLUSTER) with its
# repository, log, lock and spool directories under $1: zst level 3, process-max=2. Prints its path.
pgbackrest_conf() {
  local dir=$1 target=$2
  as_pg mkdir -p "$dir/repo" "$dir/log" "$dir/lock" "$dir/spool"
  as_pg tee "$dir/pgbackrest.conf" >/dev/null <<CONF
[global]
repo1-path=$dir/repo
repo1-retention-full=1
log-path=$dir/log
lock-path=$dir/lock
spool-path=$dir/spool
compress-type=zst
compress-level=3
process-max=2
start-fast=y
log-level-console=warn

[$target]
pg1-path=$DATA
pg1-port=$PGPORT
pg1-socket-path=$CLUSTER
pg1-user=postgres
CONF
  echo "$dir/pgbackrest.conf"
}

# A targets file $1 naming $TARGET on the kept cluster (trust auth as postgres), with file: backup and
# evidence stores and the keyring under $2. Callers append target settings of their own.
write_targets() {
  cat >"$1" <<YAML
targets:
  $TARGET:
    engine: postgres
    connection:
      host: 127.0.0.1
      port: $PGPORT
      database: postgres
      user: postgres
      sslmode: disable
    backupStore: file:$2/store
    evidence: file:$2/evidence
    keys: { keyring: $2/keyring.json }
YAML
}
