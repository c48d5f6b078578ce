#!/usr/bin/env bash
# Several signoff instances acting as one: a throw-away PostgreSQL
# (scripts/postgres.sh), N instances on it, and nginx from Debian as a
# round-robin reverse proxy in front of them (config: scripts/nginx-cluster.conf),
# all unprivileged, all on loopback. Runs in the foreground; Ctrl-C (or
# SIGTERM) stops everything it started.
#
#   scripts/cluster.sh [--listen PORT] [--instances "P1 P2 …"] [--server BIN]
#                      [--pg-port PORT] [--fresh]
#
#   --listen      the proxy's port, and the issuer's (default 3000)
#   --instances   the instances' ports (default 3001 3002)
#   --server      the signoff binary (default target/release/signoff, which
#                 `make cluster` builds with `cargo leptos build --release`)
#   --pg-port     PostgreSQL's port (default: scripts/postgres.sh's)
#   --fresh       start from an empty database (default: keep the data)
#
# Every other SIGNOFF_* variable in the environment reaches the instances.
# Logs: target/cluster/.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

listen=3000
instances="3001 3002"
server=target/release/signoff
fresh=false
while [ $# -gt 0 ]; do
  case "$1" in
    --listen) listen="$2"; shift 2 ;;
    --instances) instances="$2"; shift 2 ;;
    --server) server="$2"; shift 2 ;;
    --pg-port) export SIGNOFF_PG_PORT="$2"; shift 2 ;;
    --fresh) fresh=true; shift ;;
    *) echo "usage: $0 [--listen PORT] [--instances \"P1 P2\"] [--server BIN] [--pg-port PORT] [--fresh]" >&2; exit 2 ;;
  esac
done

log() { printf '\033[1m==> cluster: %s\033[0m\n' "$*" >&2; }
as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }

[ -x "$server" ] || { echo "cluster: no $server (make cluster builds it)" >&2; exit 1; }

# nginx from Debian, installed once; the package's own service is not used.
if ! command -v nginx >/dev/null 2>&1 && [ ! -x /usr/sbin/nginx ]; then
  log "installing Debian's nginx-light"
  as_root apt-get update >&2
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends nginx-light >&2
  as_root service nginx stop >/dev/null 2>&1 || true
fi
NGINX="$(command -v nginx || echo /usr/sbin/nginx)"

dir="$ROOT/target/cluster"
mkdir -p "$dir"
pids=()
stop_all() {
  trap - EXIT INT TERM
  [ -n "${prefix:-}" ] && [ -f "$prefix/nginx.pid" ] && kill "$(cat "$prefix/nginx.pid")" 2>/dev/null || true
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  "$ROOT/scripts/postgres.sh" stop >/dev/null 2>&1 || true
  [ -n "${prefix:-}" ] && rm -rf "$prefix" || true
  log "stopped"
}
trap stop_all EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

if $fresh; then
  server_url="$("$ROOT/scripts/postgres.sh" reset)"
else
  server_url="$("$ROOT/scripts/postgres.sh" start)"
fi
# A database of its own on that server.
psql -q "$server_url" -tc "SELECT 1 FROM pg_database WHERE datname = 'signoff'" | grep -q 1 \
  || psql -q "$server_url" -c "CREATE DATABASE signoff" >/dev/null
database_url="${server_url%/*}/signoff"

healthy() {
  python3 -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:$1/healthz', timeout=1)" 2>/dev/null
}

wait_healthy() {
  local port="$1" pid="$2" what="$3" logfile="$4"
  for _ in $(seq 1 600); do
    healthy "$port" && return 0
    kill -0 "$pid" 2>/dev/null || { echo "cluster: $what exited; its log:" >&2; tail -n 40 "$logfile" >&2; exit 1; }
    sleep 0.1
  done
  echo "cluster: $what did not answer on $port" >&2
  exit 1
}

# One after the other: the first one migrates and seeds the demo data (only
# into an empty database), the next ones find it done.
n=0
for port in $instances; do
  n=$((n + 1))
  logfile="$dir/instance-$n.log"
  SIGNOFF_LISTEN="127.0.0.1:$port" \
  SIGNOFF_ISSUER="http://127.0.0.1:$listen" \
  SIGNOFF_DATABASE_URL="$database_url" \
  SIGNOFF_TRUSTED_PROXIES="${SIGNOFF_TRUSTED_PROXIES:-127.0.0.1/32}" \
  SIGNOFF_DEMO="${SIGNOFF_DEMO:-true}" \
  SIGNOFF_ALLOW_PRIVATE_LOGOUT_TARGETS="${SIGNOFF_ALLOW_PRIVATE_LOGOUT_TARGETS:-true}" \
    "$server" serve >"$logfile" 2>&1 &
  pids+=($!)
  wait_healthy "$port" "$!" "instance $n" "$logfile"
  log "instance $n on 127.0.0.1:$port"
done

# nginx writes only under its prefix; as root it runs as `nobody`, which
# owns that directory.
prefix="$(mktemp -d /tmp/signoff-nginx.XXXXXX)"
upstreams=""
for port in $instances; do
  upstreams+="        server 127.0.0.1:$port max_fails=1 fail_timeout=2s;\n"
done
awk -v prefix="$prefix" -v listen="127.0.0.1:$listen" -v upstreams="$upstreams" '
  /^@UPSTREAMS@$/ { printf "%s", upstreams; next }
  { gsub(/@PREFIX@/, prefix); gsub(/@LISTEN@/, listen); print }
' "$ROOT/scripts/nginx-cluster.conf" >"$prefix/nginx.conf"
if [ "$(id -u)" -eq 0 ]; then
  chown -R nobody: "$prefix"
  runuser -u nobody -- "$NGINX" -e stderr -p "$prefix" -c "$prefix/nginx.conf" >"$dir/nginx.log" 2>&1 &
else
  "$NGINX" -e stderr -p "$prefix" -c "$prefix/nginx.conf" >"$dir/nginx.log" 2>&1 &
fi
pids+=($!)
wait_healthy "$listen" "$!" "nginx" "$dir/nginx.log"
log "ready: http://127.0.0.1:$listen (round robin over $instances), PostgreSQL $database_url; logs in $dir"

# Until stopped, or until any process of the cluster exits.
wait -n "${pids[@]}"
echo "cluster: a process of the cluster exited; stopping" >&2
exit 1
