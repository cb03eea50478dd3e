#!/usr/bin/env bash
# The on-sale rush benchmark, and the live stream's.
#
#   bench/run.sh sqlite      embedded mode: SQLite + in-process bus
#   bench/run.sh postgres    PostgreSQL + RabbitMQ (BENCH_DATABASE_URL, BENCH_AMQP_URL)
#   bench/run.sh postgres --streams 2000
#                            the rush while 2,000 browsers watch the event's seats
#   BENCH_TOOL=live bench/run.sh postgres
#                            10,000 browsers watch one event's seat map while 1,000 seats
#                            are held: commit-to-browser latency, memory per stream
#   BENCH_TOOL=pages bench/run.sh postgres
#                            200 browsers load a 1,000-seat event's page, then its seat
#                            statuses, then all its seats, again and again: requests a
#                            second, latency, bytes on the wire, server CPU a request
#   BENCH_TOOL=desk bench/run.sh postgres
#                            100 customers open 10,000 support tickets over 50 agents in
#                            5 skills: created and assigned a second, the spread of open
#                            support tickets per agent within a skill
#   BENCH_TOOL=door bench/run.sh postgres
#                            a 10,000-seat event sold out: its check-in bundle's size on the
#                            wire; three door devices sync 1,000 offline scans each and agree
#
#   cargo run --release -p bench --bin floor
#                            the machine's floor: one message to N loopback connections
#                            (no server), the time a batch takes and its CPU a message
#
# Builds the release server and the `rush` load generator, starts the server on
# 127.0.0.1:3200 (payment delay 0, X-Forwarded-For trusted from 127.0.0.1 so every
# simulated buyer is its own client address), runs 200 buyers × 5,000 attempts against
# an event of 1,000 seats, verifies the inventory in the database, and reports the
# server's CPU seconds and peak RSS. Results are appended to bench/results/.
set -euo pipefail
mode="${1:-sqlite}"
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
target="${CARGO_TARGET_DIR:-target}"
tool="${BENCH_TOOL:-rush}"
# Ten thousand streams need as many sockets on each side.
ulimit -n 65536 2>/dev/null || true
[ -n "${BENCH_NO_BUILD:-}" ] || cargo build --release -p server --bin taquilla -p bench --bin rush --bin live --bin pages --bin desk --bin door
addr=127.0.0.1:3200
data="$(mktemp -d)"
env_common=(TAQUILLA_ADDR="$addr" TAQUILLA_DATA_DIR="$data" TAQUILLA_PAYMENT_DELAY_MS=0 TAQUILLA_DEMO=0
  TAQUILLA_TRUSTED_PROXIES=127.0.0.1 RUST_LOG="${BENCH_LOG:-warn}" LEPTOS_SITE_ROOT="$target/site")
case "$mode" in
  sqlite)
    db_url="sqlite://$data/taquilla.db?mode=rwc"
    env_mode=()
    ;;
  postgres)
    base="${BENCH_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/test}"
    name="taquilla_bench_$(date +%s)"
    psql "$base" -qc "CREATE DATABASE $name"
    db_url="${base%/*}/$name"
    # Every non-embedded process must sign tickets with the same key.
    env_mode=(DATABASE_URL="$db_url" TAQUILLA_SIGNING_KEY="${TAQUILLA_SIGNING_KEY:-$(head -c 32 /dev/urandom | base64)}" TAQUILLA_DATA_KEY="${TAQUILLA_DATA_KEY:-bench:$(head -c 32 /dev/urandom | base64)}" AMQP_URL="${BENCH_AMQP_URL:-amqp://guest:guest@127.0.0.1:5672/%2f}" TAQUILLA_AMQP_PREFIX="$name" TAQUILLA_AMQP_QUEUE_EXPIRES_MS=600000)
    ;;
  *) echo "usage: bench/run.sh sqlite|postgres" >&2; exit 2 ;;
esac
mkdir -p bench/results
out="bench/results/$(date +%Y%m%d-%H%M%S)-$mode$([ "$tool" = rush ] || echo "-$tool").txt"
password="bench-$(od -An -N8 -tx1 /dev/urandom | tr -d ' \n')"
printf '%s' "$password" | env "${env_common[@]}" "${env_mode[@]}" "$target/release/taquilla" admin create --email bench-admin@taquilla.test --password-stdin >/dev/null
env "${env_common[@]}" "${env_mode[@]}" "$target/release/taquilla" serve --with-workers >"${out%.txt}-server.log" 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null || true; wait $pid 2>/dev/null || true; [ "$mode" = postgres ] && [ -z "${BENCH_KEEP_DB:-}" ] && dropdb --if-exists --force -h 127.0.0.1 -U postgres "$name" 2>/dev/null; rm -rf "$data"' EXIT
for _ in $(seq 1 100); do curl -fsS -o /dev/null "http://$addr/health/ready" && break; sleep 0.2; done
if [ -n "${BENCH_PERF:-}" ]; then
  perf record -F 997 -g ${BENCH_PERF_SCOPE:--p $pid} -o "$BENCH_PERF" >/dev/null 2>&1 &
  perf_pid=$!
fi
if [ "$tool" = live ] || [ "$tool" = pages ] || [ "$tool" = desk ] || [ "$tool" = door ]; then
  "$target/release/$tool" --url "http://$addr" --database-url "$db_url" --admin-email bench-admin@taquilla.test --admin-password "$password" --server-pid "$pid" "${@:2}" | tee "$out"
else
  "$target/release/rush" --url "http://$addr" --database-url "$db_url" --admin-email bench-admin@taquilla.test --admin-password "$password" --samples "${out%.txt}-samples.csv" "${@:2}" | tee "$out"
fi
[ -n "${BENCH_PERF:-}" ] && { kill -INT "$perf_pid"; wait "$perf_pid" || true; }
ticks=$(getconf CLK_TCK)
read -r utime stime < <(awk '{print $14, $15}' "/proc/$pid/stat")
cpu=$(awk -v u="$utime" -v s="$stime" -v t="$ticks" 'BEGIN { printf "%.2f", (u + s) / t }')
rss=$(awk '/VmHWM/ {print $2}' "/proc/$pid/status")
echo "server CPU seconds  $cpu" | tee -a "$out"
echo "server peak RSS     $((rss / 1024)) MB" | tee -a "$out"
