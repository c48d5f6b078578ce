# The two commands the README starts with:
#   make run    set up, then serve signoff on http://127.0.0.1:3000 (SQLite in data/)
#   make test   set up, then every check CI runs
SHELL := /bin/bash
.SHELLFLAGS := -euo pipefail -c
# wasm-opt comes from end2end's npm packages; cargo-leptos finds it on PATH.
export PATH := $(CURDIR)/end2end/node_modules/.bin:$(HOME)/.cargo/bin:$(PATH)

E2E_DB_DIR := target/e2e

.PHONY: run test setup setup-browser lint unit e2e bundle-size screenshots

# The demo clients' logout URIs are on loopback, which the SSRF guard refuses
# unless told that this is a development setup.
run: setup
	SIGNOFF_DEMO=true SIGNOFF_ALLOW_PRIVATE_LOGOUT_TARGETS=true cargo leptos serve --release

# Incremental state is only worth its disk (3 GB cold) when editing.
test: export CARGO_INCREMENTAL := 0
test: setup-browser lint unit e2e bundle-size

setup:
	scripts/setup.sh

setup-browser:
	scripts/setup.sh --browser

lint:
	cargo fmt --check
	scripts/module-graph.py
	cargo clippy --features ssr --all-targets -- -D warnings
	cargo clippy --lib --no-default-features --features hydrate --target wasm32-unknown-unknown -- -D warnings

unit:
	cargo test --features ssr

# A fresh database with the demo data for every end-to-end run.
e2e:
	rm -rf $(E2E_DB_DIR) && mkdir -p $(E2E_DB_DIR)
	SIGNOFF_DEMO=true SIGNOFF_ALLOW_PRIVATE_LOGOUT_TARGETS=true SIGNOFF_RATE_LIMIT=0 \
	SIGNOFF_DATABASE_URL="sqlite://$(E2E_DB_DIR)/signoff.db?mode=rwc" cargo leptos end-to-end --release

bundle-size:
	scripts/check-bundle-size.sh

# The end-to-end run, also writing the README's screenshots to docs/screenshots.
screenshots: setup-browser
	SIGNOFF_SCREENSHOTS_DIR=$(CURDIR)/docs/screenshots $(MAKE) e2e
