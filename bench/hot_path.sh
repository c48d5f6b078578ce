#!/usr/bin/env bash
# The hot path against the floor, in one run: server CPU per request for
#   - floor/ct, floor/mt: a bare axum server answering signoff's discovery
#     bytes (examples/floor.rs), on tokio's current_thread and multi_thread runtimes;
#   - discovery: signoff's GET /.well-known/openid-configuration;
#   - confirm: signoff's GET /logout dialog (a valid hint, a registered
#     post-logout URI, a state and a session cookie);
# at saturation (wrk, 32 connections) and at a fixed offered rate (oha, 2,000
# req/s unless RATE says otherwise), each as a ratio to the floor: the cheaper
# of the two floor flavours at that load.
#
#   cargo build --release --features ssr --bin signoff --example floor
#   bench/hot_path.sh            (RATE=2000 SECONDS_PER_RUN=8; BENCH_DATABASE=postgres)
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
FLOOR="$ROOT/target/release/examples/floor"
[ -x "$FLOOR" ] || { echo "bench: build the floor first (cargo build --release --features ssr --example floor)" >&2; exit 1; }
RATE="${RATE:-2000}"
SECONDS_PER_RUN="${SECONDS_PER_RUN:-8}"
OHA_VERSION=1.16.0
if ! oha --version 2>/dev/null | grep -qw "$OHA_VERSION"; then
  echo "bench: installing oha $OHA_VERSION (the fixed-rate load generator; once)" >&2
  cargo install oha --version "$OHA_VERSION" --locked >&2
fi

start_server 3904
floor=""
# The floor too, if a measurement fails half-way (set -e).
trap 'kill $floor "$server" 2>/dev/null || true; rm -rf "$work"' EXIT
IFS=$'\t' read -r cookie token < <(python3 "$ROOT/bench/rp.py" "$base" session)
confirm="$base/logout?id_token_hint=$token&post_logout_redirect_uri=http%3A%2F%2F127.0.0.1%3A8080%2Fsigned-out&state=bench-state-0123456789"
curl -sf -H "Cookie: $cookie" "$confirm" | grep -q "Do you also want to sign out of signoff?" \
  || { echo "bench: not the dialog" >&2; exit 1; }
curl -sf "$base/.well-known/openid-configuration" > "$work/discovery.json"
ticks=$(getconf CLK_TCK)

ticks_of() { awk '{print $14 + $15}' "/proc/$1/stat"; }

# µs of server CPU per request for one load against one process, and the
# requests per second served:
#   measure <pid> saturation|fixed <url> [cookie]   ->  "<µs> <req/s>"
measure() {
  local pid="$1" load="$2" url="$3" cookie="${4:-}"
  local header=() before after requests
  [ -n "$cookie" ] && header=(-H "Cookie: $cookie")
  wrk -t1 -c4 -d1s "${header[@]}" "$url" >/dev/null   # warm-up
  local db_before db_after
  db_before=$(database_ticks)
  before=$(ticks_of "$pid")
  if [ "$load" = saturation ]; then
    requests=$(wrk -t2 -c32 -d"${SECONDS_PER_RUN}s" "${header[@]}" "$url" | awk '/requests in/ {print $1}')
  else
    requests=$(oha --no-tui -q "$RATE" -z "${SECONDS_PER_RUN}s" -c 32 "${header[@]}" --output-format json "$url" \
      | python3 -c 'import json,sys; d=json.load(sys.stdin); print(sum(d["statusCodeDistribution"].values()))')
  fi
  after=$(ticks_of "$pid")
  db_after=$(database_ticks)
  # PostgreSQL's own CPU counts too, for signoff's requests only.
  [ "$pid" = "$server" ] && after=$((after + db_after - db_before))
  awk -v b="$before" -v a="$after" -v t="$ticks" -v n="$requests" -v s="$SECONDS_PER_RUN" \
    'BEGIN { printf "%.1f %.0f\n", (a - b) / t / n * 1e6, n / s }'
}

declare -A cpu rps
record() { read -r "cpu[$1]" "rps[$1]"; }
for flavour in current_thread multi_thread; do
  "$FLOOR" 3905 "$flavour" "$work/discovery.json" &
  floor=$!
  for _ in $(seq 50); do curl -sf "http://127.0.0.1:3905/.well-known/openid-configuration" >/dev/null && break; sleep 0.1; done
  for load in saturation fixed; do
    record "floor/$flavour/$load" < <(measure "$floor" "$load" "http://127.0.0.1:3905/.well-known/openid-configuration")
  done
  kill "$floor"; wait "$floor" 2>/dev/null || true
done
for load in saturation fixed; do
  record "discovery/$load" < <(measure "$server" "$load" "$base/.well-known/openid-configuration")
  record "confirm/$load" < <(measure "$server" "$load" "$confirm" "$cookie")
done

ratio() { awk -v x="$1" -v f="$2" 'BEGIN { printf "%.1fx", x / f }'; }
floor_of() { awk -v a="${cpu[floor/current_thread/$1]}" -v b="${cpu[floor/multi_thread/$1]}" 'BEGIN { print (a < b ? a : b) }'; }
fs=$(floor_of saturation); ff=$(floor_of fixed)
echo "bench: server CPU per request, and its ratio to the floor (the cheaper flavour at each load)"
echo "| | saturation (wrk -c32) | fixed $RATE req/s (oha -c32) | saturation throughput |"
echo "|---|---|---|---|"
for row in "bare axum, current_thread:floor/current_thread" "bare axum, multi_thread:floor/multi_thread" "signoff discovery:discovery" "signoff confirm page:confirm"; do
  name="${row%%:*}"; key="${row#*:}"
  s="${cpu[$key/saturation]}"; f="${cpu[$key/fixed]}"
  echo "| $name | $s us ($(ratio "$s" "$fs")) | $f us ($(ratio "$f" "$ff")) | ${rps[$key/saturation]} req/s |"
done
echo "bench: signoff peak RSS $(awk -v r="$(peak_rss_kib)" 'BEGIN { printf "%.1f", r / 1024 }') MiB"
