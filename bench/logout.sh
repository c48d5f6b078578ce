#!/usr/bin/env bash
# The logout confirm page under load: GET /logout with a valid id_token_hint,
# a registered post_logout_redirect_uri, a state and a session cookie.
# Reports server CPU per request (process CPU time ÷ requests), p50 latency at
# one connection, and peak RSS. Budget: ≤ 65 µs CPU/request, ≤ 32 MiB.
#
#   bench/logout.sh     (needs a release build: make e2e or cargo leptos build --release)
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
start_server 3902

IFS=$'\t' read -r cookie token < <(python3 "$ROOT/bench/rp.py" "$base" session)
path="/logout?id_token_hint=$token&post_logout_redirect_uri=http%3A%2F%2F127.0.0.1%3A8080%2Fsigned-out&state=bench-state-0123456789"
status=$(curl -s -o "$work/page.html" -w '%{http_code}' -H "Cookie: $cookie" "$base$path")
grep -q "Do you also want to sign out of signoff?" "$work/page.html" || { echo "bench: not the dialog (HTTP $status)" >&2; exit 1; }
url="$base$path"

rss_before=$(peak_rss_kib)
ticks=$(getconf CLK_TCK)
wrk -t1 -c4 -d2s -H "Cookie: $cookie" "$url" >/dev/null   # warm-up

# Three rounds, reporting the median: on this shared 2-core VM one round can
# be ±10 % off the others.
for round in 1 2 3; do
  before=$(cpu_ticks)
  wrk -t2 -c16 -d8s -H "Cookie: $cookie" "$url" > "$work/load.txt"
  after=$(cpu_ticks)
  requests=$(awk '/requests in/ {print $1}' "$work/load.txt")
  awk -v b="$before" -v a="$after" -v t="$ticks" -v n="$requests" 'BEGIN { printf "%.1f\n", (a - b) / t / n * 1e6 }'
done > "$work/rounds.txt"
cpu_per_request=$(sort -n "$work/rounds.txt" | sed -n 2p)
wrk -t1 -c1 -d5s --latency -H "Cookie: $cookie" "$url" > "$work/p50.txt"
p50=$(awk '/^ +50%/ {print $2}' "$work/p50.txt")
rss=$(peak_rss_kib)
sessions_written=$(python3 -c "import sqlite3,sys; c=sqlite3.connect(sys.argv[1]); print(c.execute('select count(*) from audit_events').fetchone()[0])" "$work/bench.db")
echo "bench: GET /logout (dialog): $(paste -sd' ' "$work/rounds.txt" | sed 's/ / us, /g') us server CPU per request in three rounds; median $cpu_per_request us"
echo "bench: p50 $p50 at 1 connection, peak RSS $(awk -v r="$rss" 'BEGIN { printf "%.1f", r / 1024 }') MiB"
echo "bench: RSS at the end of the load: $(( $(rss_now_kib) / 1024 )) MiB"
echo "bench: peak RSS before the load (start-up, demo seed, one argon2 login): $((rss_before / 1024)) MiB"
echo "bench: audit rows after the run: $sessions_written (the dialog writes none)"
