# Shared by the bench scripts: a release signoff with the demo data on a
# throw-away database, and the server's CPU and memory readings.
# Sets: ROOT, work, server, base.
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BIN="${SIGNOFF_BIN:-$ROOT/target/release/signoff}"
[ -x "$BIN" ] || { echo "bench: build first (cargo leptos build --release)" >&2; exit 1; }
command -v wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk; }

start_server() {
  local port="$1"
  work="$(mktemp -d)"
  trap 'kill "$server" 2>/dev/null || true; rm -rf "$work"' EXIT
  base="http://127.0.0.1:$port"
  SIGNOFF_ALLOW_PRIVATE_LOGOUT_TARGETS="${SIGNOFF_ALLOW_PRIVATE_LOGOUT_TARGETS:-false}" \
  SIGNOFF_DEMO=true SIGNOFF_LOG=warn SIGNOFF_RATE_LIMIT="${SIGNOFF_RATE_LIMIT:-0}" SIGNOFF_LISTEN="127.0.0.1:$port" SIGNOFF_ISSUER="$base" \
    SIGNOFF_DATABASE_URL="sqlite://$work/bench.db?mode=rwc" LEPTOS_SITE_ROOT="$ROOT/target/site" "$BIN" &
  server=$!
  for _ in $(seq 50); do curl -sf "$base/healthz" >/dev/null && break; sleep 0.1; done
}

# Server CPU time so far, in clock ticks; and peak RSS in KiB.
cpu_ticks() { awk '{print $14 + $15}' "/proc/$server/stat"; }
peak_rss_kib() { awk '/VmHWM/ {print $2}' "/proc/$server/status"; }
rss_now_kib() { awk '/VmRSS/ {print $2}' "/proc/$server/status"; }
