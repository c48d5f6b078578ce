#!/usr/bin/env bash
# The logout on each store, in one run, side by side:
#   sqlite     one instance on SQLite (the default);
#   postgres   one instance on PostgreSQL;
#   cluster    two instances on PostgreSQL behind nginx's round robin
#              (scripts/cluster.sh).
# For each: the confirm page's server CPU per request (GET /logout with a
# valid hint, a registered post-logout URI, a state and a session cookie;
# wrk, 16 connections) and requests per second, and a full logout (the
# dialog, Yes, the redirect; bench/full_logout.py) in server CPU and latency.
# Server CPU counts every process that serves: signoff, PostgreSQL, nginx.
#
#   cargo leptos build --release   (or cargo build --release --features ssr --bin signoff)
#   bench/instances.sh             (SECONDS_PER_RUN=8 LOGOUTS=300)
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BIN="${SIGNOFF_BIN:-$ROOT/target/release/signoff}"
[ -x "$BIN" ] || { echo "bench: build first (cargo leptos build --release)" >&2; exit 1; }
command -v wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk; }
SECONDS_PER_RUN="${SECONDS_PER_RUN:-8}"
LOGOUTS="${LOGOUTS:-300}"
ticks=$(getconf CLK_TCK)
work="$(mktemp -d)"
export SIGNOFF_PG_DIR="$work/postgres" SIGNOFF_PG_PORT=54391
export SIGNOFF_RATE_LIMIT=0 SIGNOFF_LOG=warn SIGNOFF_DEMO=true LEPTOS_SITE_ROOT="$ROOT/target/site"
pid=""
stop() {
  [ -n "$pid" ] && { kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; }
  pid=""
  "$ROOT/scripts/postgres.sh" stop >/dev/null 2>&1 || true
}
trap 'stop; rm -rf "$work"' EXIT

# Every process that serves: signoff's, PostgreSQL's, nginx's.
pids_command="pgrep -f '^$BIN serve'; pgrep -u postgres -f postgres; pgrep -f 'nginx: (master|worker)'; true"
all_ticks() {
  local total=0 p
  for p in $(eval "$pids_command"); do
    total=$((total + $(awk '{print $14 + $15}' "/proc/$p/stat" 2>/dev/null || echo 0)))
  done
  echo "$total"
}

wait_for() {
  for _ in $(seq 600); do curl -sf "$1/healthz" >/dev/null && return 0; sleep 0.1; done
  echo "bench: nothing answers on $1" >&2
  exit 1
}

start() {
  local setup="$1" port=3920 url
  base="http://127.0.0.1:$port"
  case "$setup" in
    sqlite | postgres)
      if [ "$setup" = sqlite ]; then
        url="sqlite://$work/bench-$RANDOM.db?mode=rwc"
      else
        url="$("$ROOT/scripts/postgres.sh" reset 2>/dev/null)"
      fi
      SIGNOFF_LISTEN="127.0.0.1:$port" SIGNOFF_ISSUER="$base" SIGNOFF_DATABASE_URL="$url" \
        "$BIN" serve >"$work/$setup.log" 2>&1 &
      pid=$!
      ;;
    cluster)
      "$ROOT/scripts/cluster.sh" --listen "$port" --instances "3921 3922" --server "$BIN" \
        --pg-port "$SIGNOFF_PG_PORT" --fresh >"$work/cluster.log" 2>&1 &
      pid=$!
      ;;
  esac
  wait_for "$base"
}

measure() {
  local setup="$1" cookie token confirm before after requests
  start "$setup"
  IFS=$'\t' read -r cookie token < <(python3 "$ROOT/bench/rp.py" "$base" session)
  confirm="$base/logout?id_token_hint=$token&post_logout_redirect_uri=http%3A%2F%2F127.0.0.1%3A8080%2Fsigned-out&state=bench-state-0123456789"
  curl -sf -H "Cookie: $cookie" "$confirm" | grep -q "Do you also want to sign out of signoff?" \
    || { echo "bench: not the dialog on $setup" >&2; exit 1; }
  wrk -t1 -c4 -d1s -H "Cookie: $cookie" "$confirm" >/dev/null   # warm-up
  before=$(all_ticks)
  requests=$(wrk -t2 -c16 -d"${SECONDS_PER_RUN}s" -H "Cookie: $cookie" "$confirm" | awk '/requests in/ {print $1}')
  after=$(all_ticks)
  read -r logout_us p50 p99 < <(python3 "$ROOT/bench/full_logout.py" "$base" "$LOGOUTS" "$pids_command")
  awk -v s="$setup" -v b="$before" -v a="$after" -v t="$ticks" -v n="$requests" -v d="$SECONDS_PER_RUN" \
    -v l="$logout_us" -v p="$p50" -v q="$p99" \
    'BEGIN { printf "| %s | %.1f us | %.0f req/s | %s us | %s ms | %s ms |\n", s, (a - b) / t / n * 1e6, n / d, l, p, q }'
  stop
}

echo "| setup | confirm page: server CPU per request | confirm page: throughput (wrk -c16) | full logout: server CPU | full logout p50 | p99 |"
echo "|---|---|---|---|---|---|"
for setup in sqlite postgres cluster; do
  measure "$setup"
done
