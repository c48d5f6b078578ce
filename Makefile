# The two commands the README starts with:
#   make run    set up, then serve signoff on http://127.0.0.1:3000 (SQLite in data/)
#   make test   set up, then every check CI runs
SHELL := /bin/bash
.SHELLFLAGS := -euo pipefail -c
# wasm-opt comes from end2end's npm packages; cargo-leptos finds it on PATH.
export PATH := $(CURDIR)/end2end/node_modules/.bin:$(HOME)/.cargo/bin:$(PATH)

.PHONY: run cluster test setup setup-browser lint unit e2e bundle-size screenshots

# The demo clients' logout URIs are on loopback, which the SSRF guard refuses
# unless told that this is a development setup.
run: setup
	SIGNOFF_DEMO=true SIGNOFF_ALLOW_PRIVATE_LOGOUT_TARGETS=true cargo leptos serve --release

# Two instances on a throw-away PostgreSQL behind nginx's round robin on
# http://127.0.0.1:3000, with the demo data (scripts/cluster.sh; Ctrl-C stops it).
cluster: setup
	cargo leptos build --release
	scripts/cluster.sh

# Incremental state is only worth its disk (3 GB cold) when editing.
test: export CARGO_INCREMENTAL := 0
test: setup-browser lint unit e2e bundle-size

setup:
	scripts/setup.sh

setup-browser:
	scripts/setup.sh --browser

lint:
	cargo fmt --check
	leptosfmt --check --quiet src
	scripts/module-graph.py
	cargo clippy --features ssr --all-targets -- -D warnings
	cargo clippy --lib --no-default-features --features hydrate --target wasm32-unknown-unknown -- -D warnings

# The unit and API tests on SQLite, then the API tests and the crash tests
# (with the cross-instance ones) on a fresh throw-away PostgreSQL
# (scripts/postgres.sh), on a free port.
unit:
	cargo test --features ssr
	export SIGNOFF_PG_PORT=$$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'); \
	  url=$$(scripts/postgres.sh reset); \
	  SIGNOFF_TEST_POSTGRES=$$url cargo test --features ssr --test api --test durability || { scripts/postgres.sh stop; exit 1; }; \
	  scripts/postgres.sh stop

# Playwright, hydrated and without JavaScript, on free ports (scripts/e2e.sh):
# once against one instance on SQLite, once through nginx in front of two
# instances on PostgreSQL.
# The site is the release build that ships (and that bundle-size measures);
# the server is the binary `make unit` already built (a no-op here after it),
# so CI never compiles the whole server a second time, in release.
e2e:
	cargo test --features ssr --no-run
	cargo leptos build --release --frontend-only
	scripts/e2e.sh
	scripts/e2e.sh --cluster

bundle-size:
	scripts/check-bundle-size.sh

# The end-to-end run, also writing the README's screenshots to docs/screenshots.
screenshots: setup-browser
	SIGNOFF_SCREENSHOTS_DIR=$(CURDIR)/docs/screenshots $(MAKE) e2e
