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
