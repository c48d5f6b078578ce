#!/usr/bin/env bash
# A throw-away PostgreSQL cluster for tests, benches and `make cluster`: Debian's
# postgresql package, a data directory under target/, no system service. Run
# as root, the server runs as the unprivileged `postgres` user (initdb refuses
# root). Prints the server's URL on stdout; connections from 127.0.0.1 are
# trusted, so keep it on loopback.
#
#   scripts/postgres.sh [start]   install if missing, start if stopped, print the URL
#   scripts/postgres.sh url       print the URL
#   scripts/postgres.sh stop      stop the server (the data stays)
#   scripts/postgres.sh reset     stop, delete the data, start a fresh cluster
#
#   SIGNOFF_PG_PORT (default 54329)   SIGNOFF_PG_DIR (default target/postgres)
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PORT="${SIGNOFF_PG_PORT:-54329}"
DIR="${SIGNOFF_PG_DIR:-$ROOT/target/postgres}"
PG_MAJOR=15
URL="postgres://postgres@127.0.0.1:$PORT/postgres"

log() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }
as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }

bin_dir() { ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n1; }

install() {
  if [ -n "$(bin_dir)" ] && [ -x "$(bin_dir)/initdb" ]; then
    return
  fi
  log "installing Debian's postgresql-$PG_MAJOR"
  as_root apt-get update >&2
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
    "postgresql-$PG_MAJOR" >&2 || as_root env DEBIAN_FRONTEND=noninteractive \
    apt-get install -y --no-install-recommends postgresql >&2
  # The package may start a system cluster on 5432; ours does not need it.
  as_root service postgresql stop >/dev/null 2>&1 || true
}

# Runs a PostgreSQL program as the unprivileged owner of the cluster.
as_owner() {
  if [ "$(id -u)" -eq 0 ]; then
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

# As root the cluster belongs to `postgres`, which must be able to reach its
# directory (target/ may sit under a home directory it cannot enter): if it
# cannot, the cluster lives in a directory of its own under /tmp.
resolve_dir() {
  [ "$(id -u)" -eq 0 ] || return 0
  id postgres >/dev/null 2>&1 || return 0
  mkdir -p "$DIR" && chown postgres: "$DIR"
  if ! runuser -u postgres -- test -w "$DIR"; then
    DIR="/tmp/signoff-postgres-$PORT"
    mkdir -p "$DIR" && chown postgres: "$DIR"
  fi
}

running() { [ -f "$DIR/data/postmaster.pid" ] && as_owner "$(bin_dir)/pg_ctl" -D "$DIR/data" status >/dev/null 2>&1; }

start() {
  install
  resolve_dir
  mkdir -p "$DIR"
  local bin
  bin="$(bin_dir)"
  if running; then
    echo "$URL"
    return
  fi
  if [ ! -f "$DIR/data/PG_VERSION" ]; then
    log "initdb $DIR/data"
    as_owner "$bin/initdb" -D "$DIR/data" -U postgres -A trust -E UTF8 --locale C.UTF-8 >/dev/null
  fi
  log "starting PostgreSQL on 127.0.0.1:$PORT"
  as_owner "$bin/pg_ctl" -D "$DIR/data" -l "$DIR/log" -w -t 60 \
    -o "-p $PORT -k $DIR -c listen_addresses=127.0.0.1 -c max_connections=400 -c fsync=off -c synchronous_commit=off -c full_page_writes=off" \
    start >&2
  echo "$URL"
}

stop() {
  resolve_dir
  if [ -n "$(bin_dir)" ] && running; then
    as_owner "$(bin_dir)/pg_ctl" -D "$DIR/data" -m fast -w stop >&2
  fi
}

case "${1:-start}" in
  start) start ;;
  url) echo "$URL" ;;
  stop) stop ;;
  reset) stop; resolve_dir; rm -rf "$DIR/data" "$DIR/log"; start ;;
  *) echo "usage: $0 [start|url|stop|reset]" >&2; exit 2 ;;
esac
