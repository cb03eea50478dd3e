#!/usr/bin/env bash
# Run the Playwright suite against a freshly started release server.
#
#   make e2e                       (after `make build`; the usual way)
#   bash end2end/run.sh [playwright args...]   e.g. --project=phone tests/checkout.spec.ts
#
# 1. starts the built server on $E2E_ADDR (127.0.0.1:3100) in embedded mode with a
#    new temporary TAQUILLA_DATA_DIR and TAQUILLA_PAYMENT_DELAY_MS=300,
# 2. waits up to 60 s for GET /health/ready,
# 3. runs `npx playwright test` with TAQUILLA_E2E_URL pointing at it,
# 4. always stops the server and removes the data dir, and exits with
#    Playwright's status; the server log (end2end/server.log) is printed
#    (last 200 lines) when something failed.
#
# Inputs (all optional): CARGO_TARGET_DIR, TAQUILLA_BIN, SERVER_ARGS (default
# "serve"), LEPTOS_SITE_ROOT / LEPTOS_OUTPUT_NAME / LEPTOS_SITE_PKG_DIR /
# LEPTOS_HASH_FILES, E2E_ADDR, E2E_READY_TIMEOUT (seconds), E2E_DATABASE_URL and
# E2E_AMQP_URL (run the server against PostgreSQL / RabbitMQ instead of SQLite and
# the in-process bus), E2E_KEEP_DATA=1 (keep the data dir), CHROMIUM_PATH, E2E_SMTP_PORT (default 3125:
# the mail server the event-log test starts; email fails until it does).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/.." && pwd)"
cd "$root"

abs() { case "$1" in /*) printf '%s\n' "$1" ;; *) printf '%s\n' "$root/$1" ;; esac; }

target_dir="$(abs "${CARGO_TARGET_DIR:-target}")"
bin="$(abs "${TAQUILLA_BIN:-$target_dir/release/taquilla}")"
site_root="$(abs "${LEPTOS_SITE_ROOT:-$target_dir/site}")"
pkg_dir="${LEPTOS_SITE_PKG_DIR:-pkg}"
addr="${E2E_ADDR:-127.0.0.1:3100}"
url="http://$addr"
ready_timeout="${E2E_READY_TIMEOUT:-60}"
log="$here/server.log"
read -r -a server_args <<<"${SERVER_ARGS:-serve}"

if [ ! -x "$bin" ]; then
  echo "run.sh: no server binary at $bin; run 'make build' first" >&2
  exit 2
fi
if [ ! -d "$site_root/$pkg_dir" ]; then
  echo "run.sh: no site at $site_root/$pkg_dir; run 'make build' first" >&2
  exit 2
fi
host="${addr%:*}"
port="${addr##*:}"
if (exec 3<>"/dev/tcp/$host/$port") 2>/dev/null; then
  echo "run.sh: something already listens on $addr; stop it first" >&2
  exit 2
fi

export E2E_SMTP_PORT="${E2E_SMTP_PORT:-3125}"
smtp_port="$E2E_SMTP_PORT"
data_dir="$(mktemp -d "${TMPDIR:-/tmp}/taquilla-e2e.XXXXXX")"
server_pid=""

print_log() {
  echo "----- server log (last 200 lines of $log) -----" >&2
  tail -n 200 "$log" >&2 || true
  echo "----- end of server log -----" >&2
}

cleanup() {
  local rc=$?
  if [ -n "$server_pid" ] && kill -0 "$server_pid" 2>/dev/null; then
    kill -TERM "$server_pid" 2>/dev/null || true
    for _ in $(seq 1 50); do
      kill -0 "$server_pid" 2>/dev/null || break
      sleep 0.2
    done
    kill -KILL "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
  fi
  if [ "${E2E_KEEP_DATA:-0}" = 1 ]; then
    echo "run.sh: data dir kept at $data_dir" >&2
  else
    rm -rf "$data_dir"
  fi
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

server_env=(
  TAQUILLA_ADDR="$addr"
  TAQUILLA_PUBLIC_URL="$url"
  TAQUILLA_DATA_DIR="$data_dir"
  TAQUILLA_PAYMENT_DELAY_MS="${TAQUILLA_PAYMENT_DELAY_MS:-300}"
  LEPTOS_SITE_ROOT="$site_root"
  LEPTOS_SITE_PKG_DIR="$pkg_dir"
  LEPTOS_OUTPUT_NAME="${LEPTOS_OUTPUT_NAME:-taquilla}"
  LEPTOS_SITE_ADDR="$addr"
  LEPTOS_ENV="${LEPTOS_ENV:-PROD}"
  LEPTOS_HASH_FILES="${LEPTOS_HASH_FILES:-false}"
  RUST_LOG="${RUST_LOG:-info}"
  # Email goes to a mail server that the event-log test starts on this port when it needs
  # it; until then every send fails, and a delivery is given up after two tries.
  TAQUILLA_SMTP_URL="smtp://127.0.0.1:$smtp_port"
  TAQUILLA_CONSUMER_ATTEMPTS="${TAQUILLA_CONSUMER_ATTEMPTS:-2}"
)
[ -n "${E2E_DATABASE_URL:-}" ] && server_env+=(DATABASE_URL="$E2E_DATABASE_URL"
  TAQUILLA_SIGNING_KEY="${TAQUILLA_SIGNING_KEY:-$(head -c 32 /dev/urandom | base64)}"
  TAQUILLA_DATA_KEY="${TAQUILLA_DATA_KEY:-e2e:$(head -c 32 /dev/urandom | base64)}")
[ -n "${E2E_AMQP_URL:-}" ] && server_env+=(AMQP_URL="$E2E_AMQP_URL")

# The first administrator, created the production way (CLI, password on stdin).
export E2E_ADMIN_EMAIL="e2e-admin@taquilla.test"
E2E_ADMIN_PASSWORD="e2e-$(od -An -N12 -tx1 /dev/urandom | tr -d ' \n')"
export E2E_ADMIN_PASSWORD
printf '%s' "$E2E_ADMIN_PASSWORD" | env "${server_env[@]}" "$bin" admin create \
  --email "$E2E_ADMIN_EMAIL" --display-name "E2E Admin" --password-stdin >"$log" 2>&1

echo "run.sh: starting $bin ${server_args[*]} on $url (data $data_dir, log $log)"
env -u TAQUILLA_BIN -u SERVER_ARGS "${server_env[@]}" "$bin" "${server_args[@]}" >>"$log" 2>&1 &
server_pid=$!

deadline=$((SECONDS + ready_timeout))
until curl -fsS --max-time 2 -o /dev/null "$url/health/ready" 2>/dev/null; do
  if ! kill -0 "$server_pid" 2>/dev/null; then
    wait "$server_pid" && status=0 || status=$?
    echo "run.sh: the server exited (status $status) before it was ready" >&2
    print_log
    exit 1
  fi
  if [ "$SECONDS" -ge "$deadline" ]; then
    echo "run.sh: $url/health/ready did not answer within ${ready_timeout}s" >&2
    curl -sS --max-time 2 "$url/health/ready" >&2 || true
    print_log
    exit 1
  fi
  sleep 0.5
done
echo "run.sh: server ready after $((SECONDS + ready_timeout - deadline))s"

cd "$here"
if [ ! -f node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund
fi

set +e
TAQUILLA_E2E_URL="$url" npx --no-install playwright test "$@"
status=$?
set -e

if [ "$status" -ne 0 ]; then
  print_log
elif ! kill -0 "$server_pid" 2>/dev/null; then
  echo "run.sh: the server died during the tests" >&2
  print_log
  status=1
fi
exit "$status"
