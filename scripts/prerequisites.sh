#!/usr/bin/env bash
# Installs what db-runbooks needs on this machine, idempotently: whatever is present is left alone,
# and a run that finds everything says so and installs nothing.
#
#   scripts/prerequisites.sh --demo    Java 17, PostgreSQL 15 server and client tools, PgBouncer;
#                                      the Temporal CLI when Go is present (else the demo runs on
#                                      the SDK's Java test server, without the Web UI)
#   scripts/prerequisites.sh --tests   all of that with the Temporal CLI required, plus moto_server
#                                      (S3/KMS tests), pgBackRest and zstd (benchmark baseline) and
#                                      the linter of these scripts (Debian package shellcheck)
#   --check   report what is missing and the exact commands that install it; install nothing
#   --quiet   say nothing when nothing is missing
#
# How: Debian packages with apt-get when running as root (or with sudo when it needs no password);
# the Temporal CLI with `go install` into ~/.cache/db-runbooks/bin; moto[server] with pip into a
# virtualenv in ~/.cache/db-runbooks/moto, linked into the same bin directory. Where it cannot
# install a part it prints the command to run instead. Exit 0 when every required part is there,
# 1 when one is missing, 2 on bad arguments.
set -euo pipefail

TEMPORAL_CLI_VERSION=v1.5.1   # later tags carry a `replace` directive that `go install` refuses
MOTO_VERSION=5.2.1
cache="${HOME}/.cache/db-runbooks"
bin_dir="$cache/bin"

usage() { sed -n '2,/^set -euo/p' "$0" | sed -e '$d' -e 's/^# \{0,1\}//' >&2; exit 2; }

profile=""; check=false; quiet=false
for arg in "$@"; do
  case "$arg" in
    --demo) profile=demo ;;
    --tests) profile=tests ;;
    --check) check=true ;;
    --quiet) quiet=true ;;
    -h|--help) usage ;;
    *) echo "prerequisites.sh: unknown argument '$arg' (expected --demo or --tests, optionally --check, --quiet)" >&2; exit 2 ;;
  esac
done
[ -n "$profile" ] || usage

say() { printf 'prerequisites: %s\n' "$*" >&2; }

# --- what is present ---------------------------------------------------------------------------

# The PostgreSQL binaries the way the worker finds them: PG_BINDIR, pg_config --bindir, Debian's layout.
pg_bindir() {
  if [ -n "${PG_BINDIR:-}" ]; then echo "$PG_BINDIR"; return; fi
  if command -v pg_config >/dev/null 2>&1; then pg_config --bindir; return; fi
  echo /usr/lib/postgresql/15/bin
}
have_postgres() {
  local d t
  d="$(pg_bindir)"
  for t in postgres initdb pg_ctl psql pg_basebackup pg_verifybackup pg_dump pg_restore pg_amcheck; do
    [ -x "$d/$t" ] || return 1
  done
}
have_pgbouncer() { [ -x "${PGBOUNCER:-/usr/sbin/pgbouncer}" ]; }
have_cmd() { command -v "$1" >/dev/null 2>&1; }
# Any temporal the worker would run (TEMPORAL_CLI, PATH, the cache) serves the demo; the tests use
# the pinned version in the cache, which ./run-tests puts first on PATH.
have_temporal_any() {
  [ -n "${TEMPORAL_CLI:-}" ] && [ -x "$TEMPORAL_CLI" ] && return 0
  have_cmd temporal || [ -x "$bin_dir/temporal" ]
}
have_temporal_pinned() { [ -x "$bin_dir/temporal" ] && [ "$(cat "$bin_dir/temporal.version" 2>/dev/null)" = "$TEMPORAL_CLI_VERSION" ]; }
have_moto() { have_cmd moto_server || [ -x "$bin_dir/moto_server" ]; }

# --- what to install ---------------------------------------------------------------------------

apt_missing=()     # Debian packages to install
notes=()           # optional parts left out, and why
failed=()          # required parts that cannot be installed here, with the command to run

have_cmd java || apt_missing+=(openjdk-17-jdk-headless)
have_postgres || apt_missing+=(postgresql-15 postgresql-client-15)
have_pgbouncer || apt_missing+=(pgbouncer)
temporal_wanted=false
if [ "$profile" = tests ]; then
  have_temporal_pinned || temporal_wanted=true
  have_cmd pgbackrest || apt_missing+=(pgbackrest)
  have_cmd zstd || apt_missing+=(zstd)
  have_cmd shellcheck || apt_missing+=(shellcheck)
  # The drills report is opened in headless Chromium by its test.
  have_cmd chromium || apt_missing+=(chromium)
  moto_wanted=false
  if ! have_moto; then
    moto_wanted=true
    # Debian's python3 creates no virtualenv without python3-venv.
    have_cmd python3 || apt_missing+=(python3)
    { have_cmd python3 && python3 -c 'import ensurepip' 2>/dev/null; } || apt_missing+=(python3-venv)
  fi
else
  have_temporal_any || temporal_wanted=true
  moto_wanted=false
fi

temporal_cmd="mkdir -p $bin_dir && CGO_ENABLED=0 GOBIN=$bin_dir go install github.com/temporalio/cli/cmd/temporal@$TEMPORAL_CLI_VERSION && echo $TEMPORAL_CLI_VERSION > $bin_dir/temporal.version"
moto_cmd="python3 -m venv $cache/moto && $cache/moto/bin/pip install -q 'moto[server]==$MOTO_VERSION' && mkdir -p $bin_dir && ln -sf $cache/moto/bin/moto_server $bin_dir/moto_server"

if [ "${#apt_missing[@]}" -eq 0 ] && ! $temporal_wanted && ! $moto_wanted; then
  $quiet || say "everything needed for the ${profile} is present; nothing to install"
  exit 0
fi

# apt-get as root, or through sudo when that needs no password; otherwise the command to run.
sudo_cmd=""
can_apt=false
if have_cmd apt-get && have_cmd dpkg-query; then
  if [ "$(id -u)" -eq 0 ]; then
    can_apt=true
  elif have_cmd sudo && sudo -n true 2>/dev/null; then
    can_apt=true; sudo_cmd="sudo"
  fi
fi

if [ "${#apt_missing[@]}" -gt 0 ]; then
  apt_line="apt-get install -y --no-install-recommends ${apt_missing[*]}"
  if $check || ! $can_apt; then
    if have_cmd apt-get; then
      failed+=("missing ${apt_missing[*]}; as root run: apt-get update && $apt_line")
    else
      failed+=("missing ${apt_missing[*]} (Debian package names): install them with this system's package manager;\
 set PG_BINDIR to PostgreSQL's bin directory and PGBOUNCER to pgbouncer when they are not where Debian puts them")
    fi
  else
    say "installing ${apt_missing[*]} with apt-get"
    $sudo_cmd apt-get update -q
    DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -q --no-install-recommends "${apt_missing[@]}"
  fi
fi

if $temporal_wanted; then
  if ! $check && have_cmd go; then
    say "installing the Temporal CLI $TEMPORAL_CLI_VERSION into $bin_dir (go install)"
    mkdir -p "$bin_dir"
    CGO_ENABLED=0 GOBIN="$bin_dir" go install "github.com/temporalio/cli/cmd/temporal@${TEMPORAL_CLI_VERSION}"
    # A `go install` build reports "0.0.0-DEV": the installed tag is kept in a stamp file beside it.
    echo "$TEMPORAL_CLI_VERSION" > "$bin_dir/temporal.version"
  elif [ "$profile" = tests ]; then
    failed+=("missing the Temporal CLI $TEMPORAL_CLI_VERSION; with Go 1.25 or later (https://go.dev/dl/) run: $temporal_cmd")
  else
    notes+=("no Temporal CLI and no Go to build it: the demo runs on the SDK's Java test server, without the Web UI;\
 for the Web UI install Go 1.25 or later (https://go.dev/dl/) and run: $temporal_cmd")
  fi
fi

if $moto_wanted; then
  if ! $check && have_cmd python3 && python3 -c 'import ensurepip' 2>/dev/null; then
    say "installing moto_server $MOTO_VERSION into $cache/moto (pip, in a virtualenv)"
    python3 -m venv "$cache/moto"
    "$cache/moto/bin/pip" install -q "moto[server]==$MOTO_VERSION"
    mkdir -p "$bin_dir"
    ln -sf "$cache/moto/bin/moto_server" "$bin_dir/moto_server"
  else
    failed+=("missing moto_server; run: $moto_cmd")
  fi
fi

for n in ${notes[@]+"${notes[@]}"}; do say "$n"; done
if [ "${#failed[@]}" -gt 0 ]; then
  for f in "${failed[@]}"; do say "$f"; done
  exit 1
fi
$check || say "done: everything needed for the ${profile} is installed"
