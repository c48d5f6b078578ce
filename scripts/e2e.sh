#!/usr/bin/env bash
# The Playwright run (hydrated and no-JS) against a fresh signoff with the demo
# data, everything on free ports so nothing else listening can break it:
# signoff itself, and the two demo relying parties of end2end/global-setup.ts.
#
# It serves the site under target/site (`cargo leptos build --release
# --frontend-only`: the release WASM, JS and CSS that ship) with the server
# binary `cargo test --features ssr` builds (dev profile, crypto optimised),
# so CI compiles the server once for the unit, API and end-to-end tests.
#
# Both must come from the same source: a server function's URL hashes where it
# is declared, so a site older than the server calls URLs the server no longer
# has (`make e2e` rebuilds both first).
#
# With --cluster, signoff is two instances on a throw-away PostgreSQL behind
# nginx's round robin (scripts/cluster.sh), so every flow also runs with its
# requests alternating between instances.
#
#   scripts/e2e.sh [--cluster] [playwright args…]   e.g. scripts/e2e.sh tests/logout.spec.ts
set -euo pipefail
cluster=false
if [ "${1:-}" = "--cluster" ]; then
  cluster=true
  shift
fi
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
export PATH="$ROOT/end2end/node_modules/.bin:$PATH"

server="${SIGNOFF_E2E_SERVER:-target/debug/signoff}"
[ -x "$server" ] || { echo "e2e: no $server; run 'cargo test --features ssr --no-run' first" >&2; exit 1; }
[ -f target/site/pkg/signoff.wasm ] || { echo "e2e: no target/site; run 'cargo leptos build --release --frontend-only' first" >&2; exit 1; }

# Distinct free ports, chosen by the kernel: signoff (or the proxy), the two
# demo RPs, and for a cluster two instances and PostgreSQL.
read -r op front back first second pg < <(python3 -c '
import socket
socks = [socket.socket() for _ in range(6)]
for s in socks:
    s.bind(("127.0.0.1", 0))
print(*(s.getsockname()[1] for s in socks))
')

dir=target/e2e
rm -rf "$dir" && mkdir -p "$dir"
export SIGNOFF_DEMO=true SIGNOFF_DEMO_RP_PORTS="$front,$back" SIGNOFF_ALLOW_PRIVATE_LOGOUT_TARGETS=true \
  SIGNOFF_RATE_LIMIT=0
if $cluster; then
  log="$dir/cluster.log"
  SIGNOFF_PG_DIR="$ROOT/$dir/postgres" scripts/cluster.sh --listen "$op" --instances "$first $second" \
    --server "$server" --pg-port "$pg" --fresh >"$log" 2>&1 &
  what="the cluster (two instances on PostgreSQL behind nginx)"
else
  log="$dir/signoff.log"
  SIGNOFF_LISTEN="127.0.0.1:$op" \
  SIGNOFF_ISSUER="http://127.0.0.1:$op" \
  SIGNOFF_DATABASE_URL="sqlite://$dir/signoff.db?mode=rwc" \
    "$server" serve >"$log" 2>&1 &
  what="signoff"
fi
pid=$!
stop() {
  kill "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
}
trap stop EXIT

for _ in $(seq 1 1200); do
  if python3 -c "import urllib.request,sys; urllib.request.urlopen('http://127.0.0.1:$op/healthz', timeout=1)" 2>/dev/null; then
    break
  fi
  kill -0 "$pid" 2>/dev/null || { echo "e2e: $what exited; its log:" >&2; cat "$log" >&2; exit 1; }
  sleep 0.1
done
echo "e2e: $what on 127.0.0.1:$op, demo RPs on $front and $back"

status=0
(cd end2end && SIGNOFF_E2E_BASE_URL="http://127.0.0.1:$op" SIGNOFF_E2E_RP_PORTS="$front,$back" \
  playwright test "$@") || status=$?
if [ "$status" -ne 0 ]; then
  echo "e2e: failed; the last of the server's log ($log):" >&2
  tail -n 40 "$log" >&2
  if $cluster; then
    for f in "$dir"/../cluster/instance-*.log; do echo "--- $f" >&2; tail -n 20 "$f" >&2; done
  fi
fi
exit "$status"
