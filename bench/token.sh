#!/usr/bin/env bash
# Server CPU per token request: codes are single use, so this signs in once,
# mints N codes through /authorize (prompt=none), then fires them at /token
# with wrk and divides the server's CPU time by the requests served.
#
#   bench/token.sh [codes]     (default 6000; needs a release build: make e2e or cargo leptos build --release)
set -euo pipefail
CODES="${1:-6000}"
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
start_server 3901

python3 "$ROOT/bench/rp.py" "$base" codes "$CODES" > "$work/codes.txt"
echo "bench: minted $(wc -l < "$work/codes.txt") codes"

ticks=$(getconf CLK_TCK)
before=$(cpu_ticks)
CODES_FILE="$work/codes.txt" wrk -t2 -c8 -d5s -s "$ROOT/bench/token.lua" "$base/token" | tee "$work/wrk.txt"
after=$(cpu_ticks)
ok=$(awk '/^ok:/ {print $2}' "$work/wrk.txt")
rss=$(peak_rss_kib)
awk -v b="$before" -v a="$after" -v t="$ticks" -v n="$ok" -v rss="$rss" 'BEGIN {
  printf "bench: %d token responses (200), server CPU %.2f s, %.0f us CPU per token request, peak RSS %.1f MiB\n",
    n, (a - b) / t, (a - b) / t / n * 1e6, rss / 1024 }'
