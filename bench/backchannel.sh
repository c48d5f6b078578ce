#!/usr/bin/env bash
# Back-channel fan-out: 200 clients in one OP session, 10 % of them black
# holes. Reports the user's redirect latency and the time until every healthy
# client has its logout token (see bench/backchannel.py).
#
#   bench/backchannel.sh [N]   (needs a release build: make e2e or cargo leptos build --release)
set -euo pipefail
export SIGNOFF_ALLOW_PRIVATE_LOGOUT_TARGETS=true   # the receivers are on loopback
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
start_server 3903
python3 "$ROOT/bench/backchannel.py" "$base" "$work/bench.db" "${1:-200}"
echo "bench: server peak RSS $(( $(peak_rss_kib) / 1024 )) MiB"
