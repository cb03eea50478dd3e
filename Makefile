# Taquilla: build, run and test.
#
#   make setup       install the missing build tools (idempotent)
#   make build       release build with cargo-leptos (server binary + site)
#   make run         build, then serve on http://127.0.0.1:3000 (TAQUILLA_ADDR overrides)
#   make test        cargo tests (unit + integration), the broker-restart test on its own,
#                    release build, then the e2e suite
#   make e2e         Playwright against the already-built server (see end2end/run.sh)
#   make fmt | clippy | clean
#
# CARGO_TARGET_DIR is honoured everywhere (CI points it at a persistent cache
# outside the clone). The server binary is $CARGO_TARGET_DIR/release/taquilla and
# the site (JS/WASM/CSS under pkg/ plus public/) is built into
# $CARGO_TARGET_DIR/site: LEPTOS_SITE_ROOT is exported to cargo-leptos so the
# place does not depend on site-root in Cargo.toml, and the same value is given
# to the server at run time. Without CARGO_TARGET_DIR both live under ./target.
#
# TEST_DATABASE_URL / TEST_AMQP_URL pass through from the caller to cargo test.

SHELL := /bin/bash
.SHELLFLAGS := -euo pipefail -c
.DEFAULT_GOAL := build
.ONESHELL:

.PHONY: setup setup-test build run test e2e fmt clippy clean help

ROOT := $(abspath $(dir $(lastword $(MAKEFILE_LIST))))

CARGO_LEPTOS_VERSION := 0.3.10
# wasm-bindgen-cli must match the wasm-bindgen crate in Cargo.lock exactly.
WBG := $(shell sed -n '/^name = "wasm-bindgen"$$/{n;s/^version = "\(.*\)"$$/\1/p;q;}' $(ROOT)/Cargo.lock 2>/dev/null)

# Expanded by the shell inside recipes, so CARGO_TARGET_DIR is read at run time.
TARGET_DIR := $${CARGO_TARGET_DIR:-target}
SITE_ROOT := $(TARGET_DIR)/site
SERVER_BIN := $(TARGET_DIR)/release/taquilla
# Arguments for the server binary (its `serve` subcommand runs web + workers).
SERVER_ARGS ?= serve

# cargo-leptos hashes /pkg file names only with `hash-files = true` in
# Cargo.toml; the server must then be told so at run time as well.
HASH_FILES := $(if $(shell grep -Eq '^[[:space:]]*hash-files[[:space:]]*=[[:space:]]*true' $(ROOT)/Cargo.toml && echo y),true,false)

# wasm-opt comes from the pinned npm package `binaryen` in tools/ (Debian
# bookworm's binaryen 108 cannot parse the reference-types WASM that current
# rustc + wasm-bindgen emit). Flags replace cargo-leptos' default
# "-Oz --enable-bulk-memory --enable-nontrapping-float-to-int" with the full
# feature set rustc enables for wasm32-unknown-unknown.
# --converge repeats -Oz while it still shrinks the module: about 8% less on the wire for
# the first visit's WASM, for a minute more of build. The producers and target-features
# sections are for tools, not browsers.
WASM_OPT_LEVEL ?= -Oz,--converge,--strip-producers,--strip-target-features
WASM_OPT_FEATURES ?= --enable-bulk-memory,--enable-bulk-memory-opt,--enable-nontrapping-float-to-int,--enable-sign-ext,--enable-mutable-globals,--enable-reference-types,--enable-multivalue,--enable-call-indirect-overlong
export PATH := $(ROOT)/tools/node_modules/.bin:$(HOME)/.cargo/bin:$(PATH)

# cargo-leptos builds with --split: each lazy route's code (app/src/routes.rs) becomes a
# WASM chunk of its own, fetched when that page is first shown.
#
# Environment cargo-leptos builds with.
LEPTOS_BUILD_ENV = LEPTOS_SITE_ROOT="$(SITE_ROOT)" \
	LEPTOS_WASM_OPT_FEATURES="$(WASM_OPT_LEVEL),$(WASM_OPT_FEATURES)"

# Environment the server binary needs to find its site (see leptos_config).
LEPTOS_RUN_ENV = LEPTOS_SITE_ROOT="$(SITE_ROOT)" \
	LEPTOS_OUTPUT_NAME=taquilla \
	LEPTOS_SITE_PKG_DIR=pkg \
	LEPTOS_ENV=PROD \
	LEPTOS_HASH_FILES=$(HASH_FILES)

# The e2e run (shared by `test` and `e2e`).
E2E_CMD = env $(LEPTOS_RUN_ENV) TAQUILLA_BIN="$(SERVER_BIN)" SERVER_ARGS="$(SERVER_ARGS)" \
	bash end2end/run.sh $(E2E_ARGS)

# apt-get through sudo only when not root.
APT_GET := $(if $(filter 0,$(shell id -u)),,sudo) env DEBIAN_FRONTEND=noninteractive apt-get

help:
	@sed -n '1,/^$$/p' $(ROOT)/Makefile

setup:
	@cd "$(ROOT)"
	if command -v rustup >/dev/null 2>&1; then
	  if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
	    echo "setup: adding the wasm32-unknown-unknown target"
	    rustup target add wasm32-unknown-unknown
	  fi
	fi
	if ! cargo leptos --version 2>/dev/null | grep -qwF "$(CARGO_LEPTOS_VERSION)"; then
	  echo "setup: installing cargo-leptos $(CARGO_LEPTOS_VERSION)"
	  cargo install cargo-leptos --version $(CARGO_LEPTOS_VERSION) --locked --features no_downloads
	fi
	if [ -z "$(WBG)" ]; then echo "setup: no wasm-bindgen in Cargo.lock" >&2; exit 1; fi
	if ! wasm-bindgen --version 2>/dev/null | grep -qwF "$(WBG)"; then
	  echo "setup: installing wasm-bindgen-cli $(WBG)"
	  # Its own lock file can name a crate version the registry no longer serves;
	  # then resolve afresh.
	  cargo install wasm-bindgen-cli --version $(WBG) --locked || cargo install wasm-bindgen-cli --version $(WBG)
	fi
	if ! command -v npm >/dev/null 2>&1; then echo "setup: node and npm (>= 20) are required" >&2; exit 1; fi
	for dir in tools end2end; do
	  if [ ! -f $$dir/node_modules/.package-lock.json ] || [ $$dir/package-lock.json -nt $$dir/node_modules/.package-lock.json ]; then
	    echo "setup: npm ci in $$dir"
	    (cd $$dir && npm ci --no-audit --no-fund)
	  fi
	done

setup-test: setup
	@if [ ! -x /usr/bin/chromium ] && [ -z "$${CHROMIUM_PATH:-}" ]; then
	  echo "setup-test: installing Debian's chromium"
	  $(APT_GET) update
	  $(APT_GET) install -y chromium
	fi

build: setup
	cd "$(ROOT)"
	$(LEPTOS_BUILD_ENV) cargo leptos build --release --split
	node tools/precompress.mjs "$(SITE_ROOT)"

run: build
	cd "$(ROOT)"
	addr="$${TAQUILLA_ADDR:-127.0.0.1:3000}"
	echo "run: serving http://$$addr (site $(SITE_ROOT))"
	exec env $(LEPTOS_RUN_ENV) LEPTOS_SITE_ADDR="$$addr" TAQUILLA_ADDR="$$addr" \
	  "$(SERVER_BIN)" $(SERVER_ARGS)

test: setup-test
	cd "$(ROOT)"
	# The broker-restart test restarts this machine's RabbitMQ: only when asked for by
	# giving TEST_AMQP_URL (as .ci/run does), never for a broker merely found running.
	restart_broker="$${TEST_AMQP_URL:+yes}"
	# PostgreSQL and RabbitMQ found running locally (as .ci/run starts them) are used
	# when the caller named none; tests that need one that is missing say so, and the
	# run ends with one line counting them.
	if [ -z "$${TEST_DATABASE_URL:-}" ] && command -v psql >/dev/null 2>&1 \
	    && psql -h 127.0.0.1 -U postgres -d test -tAc 'SELECT 1' >/dev/null 2>&1; then
	  export TEST_DATABASE_URL="postgres://postgres@127.0.0.1:5432/test"
	  echo "test: using the PostgreSQL found on 127.0.0.1:5432 (database test)"
	fi
	if [ -z "$${TEST_AMQP_URL:-}" ] && (exec 3<>/dev/tcp/127.0.0.1/5672) 2>/dev/null; then
	  export TEST_AMQP_URL="amqp://guest:guest@127.0.0.1:5672/%2f"
	  echo "test: using the RabbitMQ found on 127.0.0.1:5672"
	fi
	export TAQUILLA_NOT_RUN_LOG="$$(mktemp)"
	trap 'rm -f "$$TAQUILLA_NOT_RUN_LOG"' EXIT
	# Not --workspace: that would unify the frontend's `hydrate` feature into the
	# server's build of `app`.
	cargo test -p app -p server $(CARGO_TEST_ARGS)
	# Restarts this machine's RabbitMQ under a rush: alone, after the parallel tests.
	if [ -n "$$restart_broker" ] && [ -n "$${TEST_DATABASE_URL:-}" ]; then
	  cargo test -p server --test api faults::rabbitmq_restart_mid_rush -- --ignored --exact
	else
	  printf 'it restarts the broker, so it runs only with TEST_AMQP_URL and TEST_DATABASE_URL given\tfaults::rabbitmq_restart_mid_rush\n' >> "$$TAQUILLA_NOT_RUN_LOG"
	fi
	$(LEPTOS_BUILD_ENV) cargo leptos build --release --split
	node tools/precompress.mjs "$(SITE_ROOT)"
	$(E2E_CMD)
	if [ -s "$$TAQUILLA_NOT_RUN_LOG" ]; then
	  echo "test: passed, but $$(wc -l < "$$TAQUILLA_NOT_RUN_LOG") tests did not run ($$(cut -f1 "$$TAQUILLA_NOT_RUN_LOG" | sort | uniq -c | awk '{ n = $$1; $$1 = ""; printf "%s%s:%s", sep, substr($$0, 2), " " n; sep = "; " }'))"
	else
	  echo "test: passed; every test ran"
	fi

# Runs end2end/run.sh: server on 127.0.0.1:3100 with a fresh data dir, then
# `npx playwright test $(E2E_ARGS)`. Needs a previous `make build`.
e2e:
	cd "$(ROOT)"
	$(E2E_CMD)

fmt:
	cd "$(ROOT)"
	cargo fmt --all

clippy:
	cd "$(ROOT)"
	cargo clippy --workspace --all-targets -- -D warnings

clean:
	cd "$(ROOT)"
	cargo clean
	rm -rf target/site end2end/test-results end2end/playwright-report end2end/blob-report end2end/server.log
