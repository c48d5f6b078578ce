#!/usr/bin/env bash
# A burst of 200 concurrent logins, each from its own address: how many sign
# in, how many get 503 (all password-check slots taken: 2 × cores argon2id at
# 7 MiB each), and the server's peak RSS. Budget: peak RSS < 64 MiB.
#
#   bench/login.sh [N]   (needs a release build: make e2e or cargo leptos build --release)
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
export SIGNOFF_TRUSTED_PROXIES=127.0.0.1/32
n="${1:-200}"
start_server 3904

rss_before=$(peak_rss_kib)
ticks=$(getconf CLK_TCK)
before=$(cpu_ticks)
read -r signed_in busy other seconds < <(cd "$ROOT/bench" && python3 login_burst.py "$base" "$n")
after=$(cpu_ticks)
rss=$(peak_rss_kib)
echo "bench: $n concurrent logins: $signed_in signed in, $busy answered 503 (busy), $other other, in $seconds s"
echo "bench: server CPU $(awk -v b="$before" -v a="$after" -v t="$ticks" 'BEGIN { printf "%.2f", (a - b) / t }') s"
echo "bench: peak RSS before $((rss_before / 1024)) MiB, after the burst $(awk -v r="$rss" 'BEGIN { printf "%.1f", r / 1024 }') MiB (budget 64 MiB)"
