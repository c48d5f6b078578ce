#!/usr/bin/env bash
# Installs everything signoff needs to build, run and test, at pinned versions.
# Idempotent: each step is skipped when the right version is already there.
#
#   scripts/setup.sh            toolchain + npm packages (enough for `make run`)
#   scripts/setup.sh --browser  also Debian's chromium, for the Playwright tests
set -euo pipefail

CARGO_LEPTOS_VERSION=0.3.10
LEPTOSFMT_VERSION=0.1.33
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export PATH="$HOME/.cargo/bin:$PATH"

with_browser=false
for arg in "$@"; do
  case "$arg" in
    --browser) with_browser=true ;;
    *) echo "usage: $0 [--browser]" >&2; exit 2 ;;
  esac
done

step() { printf '\033[1m==> %s\033[0m\n' "$*"; }
have() { command -v "$1" >/dev/null 2>&1; }
as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }

for tool in cargo rustup npm node; do
  have "$tool" || { echo "setup: $tool is required but not on PATH" >&2; exit 1; }
done

# scripts/module-graph.py (make lint) and the benches' helpers are Python 3.
if have python3; then
  step "python3: present"
else
  step "installing Debian's python3"
  as_root apt-get update
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends python3-minimal
fi

if rustup target list --installed | grep -qx wasm32-unknown-unknown; then
  step "wasm32-unknown-unknown target: present"
else
  step "adding the wasm32-unknown-unknown target"
  rustup target add wasm32-unknown-unknown
fi

if cargo leptos --version 2>/dev/null | grep -qw "$CARGO_LEPTOS_VERSION"; then
  step "cargo-leptos $CARGO_LEPTOS_VERSION: present"
else
  # --locked: newer dependency releases need a newer rustc than ours (1.95).
  step "installing cargo-leptos $CARGO_LEPTOS_VERSION (about 17 minutes on 2 cores, once)"
  cargo install cargo-leptos --version "$CARGO_LEPTOS_VERSION" --locked
fi

# leptosfmt formats the view! macros (make lint checks them; cargo fmt cannot).
if leptosfmt --version 2>/dev/null | grep -qw "$LEPTOSFMT_VERSION"; then
  step "leptosfmt $LEPTOSFMT_VERSION: present"
else
  step "installing leptosfmt $LEPTOSFMT_VERSION (about 2 minutes, once)"
  cargo install leptosfmt --version "$LEPTOSFMT_VERSION" --locked
fi

# wasm-bindgen-cli must be exactly the wasm-bindgen version in Cargo.lock.
WASM_BINDGEN_VERSION="$(awk '/^name = "wasm-bindgen"$/ { getline; gsub(/version = |"/, ""); print; exit }' "$ROOT/Cargo.lock")"
[ -n "$WASM_BINDGEN_VERSION" ] || { echo "setup: no wasm-bindgen in Cargo.lock" >&2; exit 1; }
if wasm-bindgen --version 2>/dev/null | grep -qw "$WASM_BINDGEN_VERSION"; then
  step "wasm-bindgen-cli $WASM_BINDGEN_VERSION: present"
else
  # Not --locked: its lock file names a crate release the registry does not serve.
  step "installing wasm-bindgen-cli $WASM_BINDGEN_VERSION (about 4 minutes, once)"
  cargo install wasm-bindgen-cli --version "$WASM_BINDGEN_VERSION"
fi

# Playwright and binaryen (wasm-opt), pinned by end2end/package-lock.json.
stamp="$ROOT/end2end/node_modules/.package-lock.json"
if [ -f "$stamp" ] && [ "$stamp" -nt "$ROOT/end2end/package-lock.json" ]; then
  step "end2end npm packages: present"
else
  step "installing end2end npm packages (npm ci)"
  (cd "$ROOT/end2end" && npm ci --no-audit --no-fund)
fi

if $with_browser; then
  if [ -x /usr/bin/chromium ]; then
    step "chromium: present ($(/usr/bin/chromium --version 2>/dev/null || echo unknown version))"
  else
    step "installing Debian's chromium"
    as_root apt-get update
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends chromium
  fi
fi

step "setup complete"
