#!/usr/bin/env bash
# The door's offline check in WASM: 10,000 codes judged by the code the door page runs
# (`app::door::rules`), built with the same size-optimised profile, timed in Node.js.
#
#   bench/door-verify.sh [codes]      (default 10000)
#
# Needs the wasm32 target and wasm-bindgen-cli (`make setup`), and Node.js.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
target="${CARGO_TARGET_DIR:-target}"
n="${1:-10000}"
cargo build -p wasm-door --lib --target wasm32-unknown-unknown --profile wasm-release
out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT
wasm-bindgen --target nodejs --out-dir "$out" "$target/wasm32-unknown-unknown/wasm-release/wasm_door.wasm"
node - "$out/wasm_door.js" "$n" <<'JS'
const [, , module, n] = process.argv;
const { Door } = require(module);
const count = Number(n);
const runs = [];
for (let round = 0; round < 5; round++) {
  const door = new Door(count);
  const t0 = performance.now();
  const admitted = door.judge_all();
  const t1 = performance.now();
  const again = door.judge_again();
  const t2 = performance.now();
  if (admitted !== count || again !== 0) throw new Error(`admitted ${admitted}, again ${again}`);
  runs.push([(t1 - t0) / count, (t2 - t1) / count]);
  door.free();
}
const median = (xs) => xs.slice().sort((a, b) => a - b)[Math.floor(xs.length / 2)];
console.log(`codes judged         ${count} a round, 5 rounds (Node.js ${process.version})`);
console.log(`first scan, let in   median ${median(runs.map((r) => r[0])).toFixed(3)} ms a code (goal: under 1 ms)`);
console.log(`second scan, refused median ${median(runs.map((r) => r[1])).toFixed(3)} ms a code`);
JS
