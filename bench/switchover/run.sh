#!/usr/bin/env bash
# Switchover benchmark: pgbench through PgBouncer while PgBouncerSwitch moves the database between
# two clusters (blue <-> green) SWITCHES times. Prints per switch the named step timings, the longest
# transaction latency a client saw across the switch, and the errors. Not a test. See bench/README.md.
#
#   bench/switchover/run.sh                      # 10 switches, 8 clients, persistent connections, then -C
#   SWITCHES=20 INTERVAL=2 bench/switchover/run.sh
#
# Environment: SWITCHES (10), INTERVAL (3 s between switches), CLIENTS (8), JOBS (2), SCALE (10),
# PHASES ("persistent reconnect": pgbench without and with -C), SERVER_LOGIN_RETRY (15, PgBouncer's default),
# PAUSE_TIMEOUT (10 s), WORK (bench/out), PG_BINDIR (/usr/lib/postgresql/15/bin),
# PGBOUNCER (/usr/sbin/pgbouncer), WORKER_JAR (worker/target/db-runbooks-worker.jar).
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
SWITCHES=${SWITCHES:-10}
INTERVAL=${INTERVAL:-3}
CLIENTS=${CLIENTS:-8}
JOBS=${JOBS:-2}
SCALE=${SCALE:-10}
PHASES=${PHASES:-persistent reconnect}
SERVER_LOGIN_RETRY=${SERVER_LOGIN_RETRY:-15}
PAUSE_TIMEOUT=${PAUSE_TIMEOUT:-10}
WORK=${WORK:-$ROOT/bench/out}
PG_BINDIR=${PG_BINDIR:-/usr/lib/postgresql/15/bin}
PGBOUNCER=${PGBOUNCER:-/usr/sbin/pgbouncer}
WORKER_JAR=${WORKER_JAR:-$ROOT/worker/target/db-runbooks-worker.jar}
RUN=$WORK/switchover-$(date -u +%Y%m%dT%H%M%SZ)
DB=appdb
APP=app
PIDS=()

# shellcheck source=../lib.sh
. "$ROOT/bench/lib.sh"

cleanup() {
  local rc=$?
  set +e
  [[ -f $RUN/pgbouncer/pgbouncer.pid ]] && kill "$(cat "$RUN/pgbouncer/pgbouncer.pid")" 2>/dev/null
  stop_started
  for c in blue green; do
    [[ -f $RUN/$c/data/postmaster.pid ]] && as_pg "$PG_BINDIR/pg_ctl" -D "$RUN/$c/data" -m fast -w stop >/dev/null 2>&1
  done
  exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT TERM

[[ $(id -u) -eq 0 ]] || die "run as root (clusters and pgbouncer run as postgres through runuser)"
[[ -f $WORKER_JAR ]] || die "no worker jar at $WORKER_JAR; build it: ./mvnw -B -q -DskipTests -pl worker -am package"
[[ -x $PGBOUNCER ]] || die "no pgbouncer at $PGBOUNCER (apt-get install pgbouncer)"
mkdir -p "$RUN"
chmod 755 "$WORK" "$RUN"
chown postgres: "$RUN"

APP_PASSWORD=$(head -c 18 /dev/urandom | od -An -tx1 | tr -d ' \n')
ADMIN_PASSWORD=$(head -c 18 /dev/urandom | od -An -tx1 | tr -d ' \n')
printf '%s\n' "$APP_PASSWORD" >"$RUN/app-password"
printf '%s\n' "$ADMIN_PASSWORD" >"$RUN/admin-password"
chmod 600 "$RUN/app-password" "$RUN/admin-password"
export PGPASSWORD=$APP_PASSWORD

# ---------------------------------------------------------------- blue and green
declare -A PORT
psql_pg() { as_pg "$PG_BINDIR/psql" -h "$RUN/$1" -p "${PORT[$1]}" -U postgres -qAtX -v ON_ERROR_STOP=1 -c "$2" "${3:-postgres}"; }
for c in blue green; do
  PORT[$c]=$(free_port)
  as_pg mkdir -p "$RUN/$c"
  as_pg "$PG_BINDIR/initdb" -D "$RUN/$c/data" -U postgres --auth-local=trust --auth-host=scram-sha-256 --no-sync >/dev/null
  cat >>"$RUN/$c/data/postgresql.conf" <<EOF
# --- bench/switchover/run.sh ---
port = ${PORT[$c]}
listen_addresses = '127.0.0.1'
unix_socket_directories = '$RUN/$c'
cluster_name = '$c'
shared_buffers = 256MB
max_connections = 100
EOF
  as_pg "$PG_BINDIR/pg_ctl" -D "$RUN/$c/data" -l "$RUN/$c/postgres.log" -w start >/dev/null
done
# Green carries blue's SCRAM verifier, as a restored copy would: PgBouncer logs in to either with the client's keys.
psql_pg blue "CREATE ROLE $APP LOGIN PASSWORD '$APP_PASSWORD'"
VERIFIER=$(psql_pg blue "SELECT rolpassword FROM pg_authid WHERE rolname = '$APP'")
psql_pg green "CREATE ROLE $APP LOGIN PASSWORD '$VERIFIER'"
for c in blue green; do
  psql_pg "$c" "CREATE DATABASE $DB OWNER $APP"
  log "$c: pgbench -i -s $SCALE on port ${PORT[$c]}"
  "$PG_BINDIR/pgbench" -i -s "$SCALE" -q -h 127.0.0.1 -p "${PORT[$c]}" -U "$APP" "$DB" 2>&1 | tail -1 >&2
done

# ---------------------------------------------------------------- pgbouncer
PGB_PORT=$(free_port)
as_pg mkdir -p "$RUN/pgbouncer"
cat >"$RUN/pgbouncer/databases.ini" <<EOF
[databases]
$DB = host=127.0.0.1 port=${PORT[blue]} dbname=$DB
EOF
printf '"%s" "%s"\n"%s" "%s"\n' runbooks_admin "$ADMIN_PASSWORD" "$APP" "$VERIFIER" >"$RUN/pgbouncer/userlist.txt"
chmod 600 "$RUN/pgbouncer/userlist.txt"
cat >"$RUN/pgbouncer/pgbouncer.ini" <<EOF
%include $RUN/pgbouncer/databases.ini

[pgbouncer]
listen_addr = 127.0.0.1
listen_port = $PGB_PORT
unix_socket_dir =
auth_type = scram-sha-256
auth_file = $RUN/pgbouncer/userlist.txt
admin_users = runbooks_admin
pool_mode = transaction
max_client_conn = 500
default_pool_size = 20
ignore_startup_parameters = extra_float_digits
server_login_retry = $SERVER_LOGIN_RETRY
logfile = $RUN/pgbouncer/pgbouncer.log
pidfile = $RUN/pgbouncer/pgbouncer.pid
EOF
chown -R postgres: "$RUN/pgbouncer"
as_pg "$PGBOUNCER" "$RUN/pgbouncer/pgbouncer.ini" >"$RUN/pgbouncer.out" 2>&1 &
PIDS+=($!)
for _ in $(seq 100); do
  ss -Htln "sport = :$PGB_PORT" | grep -q . && break
  sleep 0.1
done
ss -Htln "sport = :$PGB_PORT" | grep -q . || die "pgbouncer did not start (see $RUN/pgbouncer/pgbouncer.log)"
log "blue :${PORT[blue]}, green :${PORT[green]}, pgbouncer :$PGB_PORT ($(pgbouncer --version | head -1))"

# ---------------------------------------------------------------- phases
LOAD_START=$(cut -d' ' -f1-3 /proc/loadavg)
# Start-up of the driver's JVM, the switches themselves and their health checks come on top of the intervals.
DURATION=$(python3 -c "import math; print(5 + math.ceil($SWITCHES * ($INTERVAL + 0.5)) + 5)")
REPORT=$RUN/report.txt
for phase in $PHASES; do
  connect_flag=()
  [[ $phase == reconnect ]] && connect_flag=(-C)
  log "phase $phase: pgbench -b tpcb-like -c $CLIENTS -j $JOBS -T $DURATION ${connect_flag[*]:-} through pgbouncer; $SWITCHES switches every $INTERVAL s"
  mkdir -p "$RUN/$phase"
  "$PG_BINDIR/pgbench" -h 127.0.0.1 -p "$PGB_PORT" -U "$APP" -b tpcb-like -n -c "$CLIENTS" -j "$JOBS" -T "$DURATION" \
    "${connect_flag[@]}" --log --log-prefix="$RUN/$phase/tx" "$DB" >"$RUN/$phase/pgbench.out" 2>"$RUN/$phase/pgbench.err" &
  bench_pid=$!
  PIDS+=("$bench_pid")
  sleep 1
  java -cp "$WORKER_JAR" "$ROOT/bench/switchover/SwitchBench.java" "$PGB_PORT" "$RUN/admin-password" \
    "$RUN/pgbouncer/databases.ini" "$DB" "${PORT[blue]}" "${PORT[green]}" "$SWITCHES" "$INTERVAL" "$APP" \
    "$RUN/app-password" "$PAUSE_TIMEOUT" >"$RUN/$phase/switches.txt" 2> >(grep -v 'PgConnection\|Unsupported Server Version' >&2) \
    || die "switch driver failed (see above)"
  set +e
  wait "$bench_pid"
  bench_rc=$?
  set -e
  # Back on blue for the next phase, whatever the number of switches.
  if (( SWITCHES % 2 == 1 )); then
    java -cp "$WORKER_JAR" "$ROOT/bench/switchover/SwitchBench.java" "$PGB_PORT" "$RUN/admin-password" \
      "$RUN/pgbouncer/databases.ini" "$DB" "${PORT[green]}" "${PORT[blue]}" 1 0 "$APP" "$RUN/app-password" \
      "$PAUSE_TIMEOUT" >/dev/null 2>&1
  fi
  python3 - "$RUN/$phase" "$bench_rc" "$phase" <<'PY' | tee -a "$REPORT"
import glob, os, re, sys
d, rc, phase = sys.argv[1], int(sys.argv[2]), sys.argv[3]
switches = []
for line in open(os.path.join(d, "switches.txt")):
    f = line.split()
    if f and f[0] == "switch":
        switches.append(dict(n=int(f[1]), to=f[2], start=int(f[3]), end=int(f[4]), pause=int(f[5]), repoint=int(f[6]),
                             reload=int(f[7]), resume=int(f[8]), verify=int(f[9]), settle=int(f[10]), paused=int(f[11]),
                             health=f[12]))
tx = []      # (start us, end us, latency us or None for a failure)
for path in glob.glob(os.path.join(d, "tx.*")):
    for line in open(path):
        f = line.split()
        if len(f) < 6:
            continue
        end = int(f[4]) * 1_000_000 + int(f[5])
        if f[2].isdigit():
            lat = int(f[2])
            tx.append((end - lat, end, lat))
        else:
            tx.append((end, end, None))
out = open(os.path.join(d, "pgbench.out")).read()
err = open(os.path.join(d, "pgbench.err")).read()
def grab(pattern):
    m = re.search(pattern, out)
    return m.group(1) if m else "?"
print(f"\n== phase: {phase} ({'a new connection per transaction, pgbench -C' if phase == 'reconnect' else 'persistent connections'})")
print(f"{'switch':>6} {'to':<6} {'pause':>6} {'repoint':>8} {'reload':>7} {'resume':>7} {'verify':>7} {'settle':>7} {'paused':>7} "
      f"{'switch call':>11} {'max txn latency':>15} {'txns':>6} {'errors':>6}  health check after")
print(f"{'':>6} {'':<6} {'ms':>6} {'ms':>8} {'ms':>7} {'ms':>7} {'ms':>7} {'ms':>7} {'ms':>7} {'ms':>11} {'ms':>15} {'':>6} {'':>6}")
windows = []
worst = 0
for s in switches:
    inside = [t for t in tx if t[0] < s["end"] and t[1] > s["start"]]
    lats = [t[2] for t in inside if t[2] is not None]
    errors = sum(1 for t in tx if t[2] is None and s["start"] - 1_000_000 <= t[1] <= s["end"] + 1_000_000)
    mx = max(lats) / 1000 if lats else 0
    worst = max(worst, mx)
    windows.append((s["start"] - 1_000_000, s["end"] + 1_000_000))
    print(f"{s['n']:>6} {s['to']:<6} {s['pause']:>6} {s['repoint']:>8} {s['reload']:>7} {s['resume']:>7} {s['verify']:>7} {s['settle']:>7} {s['paused']:>7} "
          f"{(s['end'] - s['start']) / 1000:>11.1f} {mx:>15.1f} {len(inside):>6} {errors:>6}  {s['health']}")
outside = sorted(t[2] for t in tx if t[2] is not None and not any(a <= t[1] <= b for a, b in windows))
def pct(p):
    return outside[min(len(outside) - 1, int(p * len(outside)))] / 1000 if outside else 0
failed = sum(1 for t in tx if t[2] is None)
aborted = len(re.findall(r"aborted", err))
print(f"max transaction latency across the switches: {worst:.1f} ms; "
      f"outside the switch windows: p50 {pct(0.5):.1f} ms, p99 {pct(0.99):.1f} ms, max {pct(1.0):.1f} ms")
processed = grab(r"transactions actually processed: (\d+)")
failed_summary = grab(r"number of failed transactions: (\d+)")
tps = grab(r"tps = ([\d.]+)")
print(f"pgbench: exit {rc}, {processed} transactions, failed {failed_summary}, failed in log {failed}, "
      f"client aborts {aborted}, tps {tps}")
PY
done
{
  echo
  echo "load average at start: $LOAD_START; $(nproc) cores; $("$PG_BINDIR/postgres" --version); $(pgbouncer --version | head -1)"
  echo "files: $RUN"
} | tee -a "$REPORT"
