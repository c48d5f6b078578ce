#!/usr/bin/env bash
# Server CPU per token request: codes are single use, so this signs in once,
# mints N codes through /authorize (prompt=none), then fires them at /token
# with wrk and divides the server's CPU time by the requests served.
#
#   bench/token.sh [codes]     (default 6000; needs a release build: make e2e or cargo leptos build --release)
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
CODES="${1:-6000}"
PORT=3901
BIN="$ROOT/target/release/signoff"
[ -x "$BIN" ] || { echo "bench: build first (cargo leptos build --release)" >&2; exit 1; }
command -v wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk; }

work="$(mktemp -d)"
trap 'kill "$server" 2>/dev/null || true; rm -rf "$work"' EXIT
SIGNOFF_DEMO=true SIGNOFF_LOG=warn SIGNOFF_LISTEN="127.0.0.1:$PORT" SIGNOFF_ISSUER="http://127.0.0.1:$PORT" \
  SIGNOFF_DATABASE_URL="sqlite://$work/bench.db?mode=rwc" LEPTOS_SITE_ROOT="$ROOT/target/site" "$BIN" &
server=$!
for _ in $(seq 50); do curl -sf "http://127.0.0.1:$PORT/healthz" >/dev/null && break; sleep 0.1; done

python3 "$ROOT/bench/rp.py" "http://127.0.0.1:$PORT" codes "$CODES" > "$work/codes.txt"
echo "bench: minted $(wc -l < "$work/codes.txt") codes"

cpu() { awk '{print $14 + $15}' "/proc/$server/stat"; }
ticks=$(getconf CLK_TCK)
before=$(cpu)
CODES_FILE="$work/codes.txt" wrk -t2 -c8 -d5s -s "$ROOT/bench/token.lua" "http://127.0.0.1:$PORT/token" | tee "$work/wrk.txt"
after=$(cpu)
ok=$(awk '/^ok:/ {print $2}' "$work/wrk.txt")
rss=$(awk '/VmHWM/ {print $2}' "/proc/$server/status")
awk -v b="$before" -v a="$after" -v t="$ticks" -v n="$ok" -v rss="$rss" 'BEGIN {
  printf "bench: %d token responses (200), server CPU %.2f s, %.0f us CPU per token request, peak RSS %.1f MiB\n",
    n, (a - b) / t, (a - b) / t / n * 1e6, rss / 1024 }'
