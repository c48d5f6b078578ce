#!/usr/bin/env bash
# Fails when the release hydration bundle is over budget (200 KB gzipped).
# Run after a release build (`cargo leptos build --release` or `end-to-end --release`).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BUDGET_BYTES=$((200 * 1000))
wasm="$ROOT/target/site/pkg/signoff.wasm"
[ -f "$wasm" ] || wasm="$ROOT/target/site/pkg/signoff_bg.wasm"
[ -f "$wasm" ] || { echo "bundle: no release wasm under target/site/pkg; build first" >&2; exit 1; }
raw=$(stat -c %s "$wasm")
gz=$(gzip -9 -c "$wasm" | wc -c)
js=$(gzip -9 -c "$ROOT/target/site/pkg/signoff.js" | wc -c)
printf 'bundle: wasm %d bytes raw, %d bytes gzipped (+ %d bytes gzipped JS); budget %d\n' \
  "$raw" "$gz" "$js" "$BUDGET_BYTES"
if [ $((gz + js)) -gt "$BUDGET_BYTES" ]; then
  echo "bundle: over budget" >&2
  exit 1
fi
