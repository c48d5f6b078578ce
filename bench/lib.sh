# Shared by the bench scripts: a release signoff with the demo data on a
# throw-away database, and the server's CPU and memory readings.
# Sets: ROOT, work, server, base.
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BIN="${SIGNOFF_BIN:-$ROOT/target/release/signoff}"
[ -x "$BIN" ] || { echo "bench: build first (cargo leptos build --release)" >&2; exit 1; }
command -v wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk; }

# BENCH_DATABASE=postgres runs the server on a fresh database of the
# throw-away PostgreSQL cluster (scripts/postgres.sh) instead of SQLite.
database_url_for() {
  if [ "${BENCH_DATABASE:-sqlite}" = postgres ]; then
    local server_url name
    server_url="$("$ROOT/scripts/postgres.sh" start)"
    name="bench_$(date +%s%N)"
    psql -q "$server_url" -c "CREATE DATABASE $name" >&2
    echo "${server_url%/*}/$name"
  else
    echo "sqlite://$work/bench.db?mode=rwc"
  fi
}

# CPU ticks of the PostgreSQL server processes (0 on SQLite): the database's
# share of a request, which on SQLite is inside signoff's own process.
database_ticks() {
  [ "${BENCH_DATABASE:-sqlite}" = postgres ] || { echo 0; return; }
  local total=0 pid
  for pid in $(pgrep -u postgres -f "postgres" || true); do
    total=$((total + $(awk '{print $14 + $15}' "/proc/$pid/stat" 2>/dev/null || echo 0)))
  done
  echo "$total"
}

start_server() {
  local port="$1"
  work="$(mktemp -d)"
  trap 'kill "$server" 2>/dev/null || true; rm -rf "$work"' EXIT
  base="http://127.0.0.1:$port"
  local database_url
  database_url="$(database_url_for)"
  SIGNOFF_ALLOW_PRIVATE_LOGOUT_TARGETS="${SIGNOFF_ALLOW_PRIVATE_LOGOUT_TARGETS:-false}" \
  SIGNOFF_DEMO=true SIGNOFF_LOG=warn SIGNOFF_RATE_LIMIT="${SIGNOFF_RATE_LIMIT:-0}" SIGNOFF_LISTEN="127.0.0.1:$port" SIGNOFF_ISSUER="$base" \
    SIGNOFF_DATABASE_URL="$database_url" LEPTOS_SITE_ROOT="$ROOT/target/site" "$BIN" &
  server=$!
  for _ in $(seq 50); do curl -sf "$base/healthz" >/dev/null && break; sleep 0.1; done
}

# Server CPU time so far, in clock ticks; and peak RSS in KiB.
cpu_ticks() { awk '{print $14 + $15}' "/proc/$server/stat"; }
peak_rss_kib() { awk '/VmHWM/ {print $2}' "/proc/$server/status"; }
rss_now_kib() { awk '/VmRSS/ {print $2}' "/proc/$server/status"; }
