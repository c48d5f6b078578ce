#!/usr/bin/env bash
# A full logout with one back-channel client, for a client whose tokens are
# RS256 and one whose tokens are ES256, side by side in one run: the dialog,
# Yes (which ends the session, mints the logout token and POSTs it before it
# redirects), the redirect. Reports the server CPU per logout for each, in
# alternating rounds, and the median of each.
#
#   bench/signing.sh        (after cargo build --release --features ssr --bin signoff)
#   LOGOUTS=200 ROUNDS=3 bench/signing.sh
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
LOGOUTS="${LOGOUTS:-100}"
ROUNDS="${ROUNDS:-3}"
SIGNOFF_ALLOW_PRIVATE_LOGOUT_TARGETS=true start_server 3904

# The clients' back-channel logout URI: answers 204 to every POST, keeping
# the connection open as an RP's web server would (HTTP/1.1).
receiver_port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
python3 - "$receiver_port" <<'PY' &
import http.server, sys
class Receiver(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    def do_POST(self):
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        self.send_response(204)
        self.end_headers()
    def log_message(self, *args):
        pass
http.server.ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), Receiver).serve_forever()
PY
receiver=$!
trap 'kill "$server" "$receiver" 2>/dev/null || true; rm -rf "$work"' EXIT

secret="bench-signing-secret-0123456789abcdef0123456789abcdef"
for alg in RS256 ES256; do
  SIGNOFF_DATABASE_URL="sqlite://$work/bench.db" SIGNOFF_LOG=warn "$BIN" client add \
    --client-id "bench-$alg" --secret "$secret" \
    --redirect-uri http://127.0.0.1:8080/callback \
    --post-logout-redirect-uri http://127.0.0.1:8080/signed-out \
    --backchannel-logout-uri "http://127.0.0.1:$receiver_port/backchannel-logout" \
    --id-token-alg "$alg" >/dev/null
done

for round in $(seq "$ROUNDS"); do
  for alg in RS256 ES256; do
    read -r us _ _ < <(BENCH_CLIENT_ID="bench-$alg" BENCH_CLIENT_SECRET="$secret" WARM_UP=20 \
      python3 "$ROOT/bench/full_logout.py" "$base" "$LOGOUTS" "echo $server")
    echo "$alg $us"
  done
done > "$work/rounds.txt"

for alg in RS256 ES256; do
  values=$(awk -v a="$alg" '$1 == a {print $2}' "$work/rounds.txt")
  median=$(echo "$values" | sort -n | awk '{v[NR]=$1} END {print v[int((NR + 1) / 2)]}')
  echo "bench: full logout, one back-channel client, $alg tokens: $(echo $values | sed 's/ / us, /g') us server CPU per logout in $ROUNDS rounds of $LOGOUTS; median $median us"
done
