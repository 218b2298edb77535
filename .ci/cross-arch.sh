#!/usr/bin/env bash
# Cross-architecture determinism check (issue 14, item 3).
#
# Cross-builds `imr` for aarch64-unknown-linux-gnu, runs the bundled 200-epoch time-series scenario under
# qemu-user, and requires the aarch64 run log to be byte-identical to the x86_64 one (every receipt and blob, and
# so the head hash). A second check replays the x86_64 log on aarch64 with `imr verify`.
#
# The component itself is built once (Wasm is architecture-independent); what differs between the two runs is the
# host: wasmtime's Cranelift generating aarch64 code instead of x86_64 code, the host's libm, its allocator, etc.
#
# Usage: bash .ci/cross-arch.sh [WORK_DIR]      (default WORK_DIR: target/cross-arch)
# Needs root for apt-get (installs gcc-aarch64-linux-gnu, libc6-dev-arm64-cross, qemu-user when missing).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
work=${1:-$root/target/cross-arch}
triple=aarch64-unknown-linux-gnu
export CARGO_TERM_COLOR=never

echo "== cross-arch: tools"
if ! command -v aarch64-linux-gnu-gcc >/dev/null || ! command -v qemu-aarch64 >/dev/null; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >/dev/null
  apt-get install -y -qq gcc-aarch64-linux-gnu libc6-dev-arm64-cross qemu-user >/dev/null
fi
rustup target add "$triple" >/dev/null 2>&1 || rustup target add "$triple"
rustup target add wasm32-unknown-unknown >/dev/null 2>&1 || true

echo "== cross-arch: build imr for x86_64 (host) and $triple"
cargo build --locked -q -p imr-host --bin imr
CARGO_TARGET_AARCH64_UNKNOWN_LINUX_GNU_LINKER=aarch64-linux-gnu-gcc \
  cargo build --locked -q -p imr-host --bin imr --target "$triple"
native="$root/target/debug/imr"
arm=(qemu-aarch64 -L /usr/aarch64-linux-gnu "$root/target/$triple/debug/imr")
file "$root/target/$triple/debug/imr" 2>/dev/null | grep -q aarch64 || {
  echo "error: the cross-built imr is not an aarch64 binary" >&2
  exit 1
}

echo "== cross-arch: build the time-series component (once; Wasm is architecture-independent)"
build_out=$("$native" build examples/time-series)
component=${build_out%%$'\n'*}
test -f "$component"
epochs=examples/time-series/data/epochs

rm -rf "$work"
mkdir -p "$work"
# Separate artifact caches: each architecture compiles the component for itself.
echo "== cross-arch: x86_64 run"
IMR_CACHE_DIR="$work/cache-x86_64" "$native" run --mechanism "$component" --epochs "$epochs" \
  --log "$work/log-x86_64" --out "$work/out-x86_64" >"$work/x86_64.txt"
echo "== cross-arch: aarch64 run (qemu-user)"
IMR_CACHE_DIR="$work/cache-aarch64" "${arm[@]}" run --mechanism "$component" --epochs "$epochs" \
  --log "$work/log-aarch64" --out "$work/out-aarch64" >"$work/aarch64.txt"

echo "== cross-arch: compare the two run logs byte for byte"
# The lock file is not content; everything else (receipts, blobs) must be identical.
list() { (cd "$1" && find . -type f ! -name '*.lock' ! -name 'lock' | LC_ALL=C sort); }
# same_logs NAME: the logs $work/NAME-x86_64 and $work/NAME-aarch64 hold the same files, byte for byte; sets count.
same_logs() {
  local a="$work/$1-x86_64" b="$work/$1-aarch64" f
  if ! diff <(list "$a") <(list "$b") >"$work/$1-files.diff"; then
    echo "error: the two $1 directories hold different files:" >&2
    head -20 "$work/$1-files.diff" >&2
    exit 1
  fi
  count=0
  while IFS= read -r f; do
    if ! cmp -s "$a/$f" "$b/$f"; then
      echo "error: $1: $f differs between x86_64 and aarch64" >&2
      exit 1
    fi
    count=$((count + 1))
  done < <(list "$a")
  test "$count" -gt 0 || { echo "error: $1: the run wrote no log" >&2; exit 1; }
}
same_logs log
for f in weights.json receipt.json; do
  cmp "$work/out-x86_64/$f" "$work/out-aarch64/$f"
done
head_x86=$(awk '$1 == "head" {print $2}' "$work/x86_64.txt")
head_arm=$(awk '$1 == "head" {print $2}' "$work/aarch64.txt")
echo "   $count files identical; x86_64 $head_x86; aarch64 $head_arm"
if [ -z "$head_x86" ] || [ "$head_x86" != "$head_arm" ]; then
  echo "error: head hashes differ" >&2
  exit 1
fi

echo "== cross-arch: aarch64 verifies (replays) the x86_64 log"
IMR_CACHE_DIR="$work/cache-aarch64" "${arm[@]}" verify "$work/log-x86_64" | tail -3

echo "== cross-arch: the logical stack limit (hostile guest: a recursion past the limit, and one within it)"
# The limit is a property of the wasm (issue 14, item 1): the same recursion must end in the same typed
# StackLimit error, with the same fuel and the same receipt, on both architectures.
hostile_out=$("$native" build host/tests/guests/hostile)
hostile=${hostile_out%%$'\n'*}
test -f "$hostile"
mkdir -p "$work/stack-epochs"
write_epoch() {
  cat >"$work/stack-epochs/$1.json" <<JSON
{"netuid": 3, "block": $((100 + 10#$1)),
 "seed": "0101010101010101010101010101010101010101010101010101010101010101",
 "neurons": [{"uid": 0, "hotkey": "h0", "registered_at_block": 1},
             {"uid": 1, "hotkey": "h1", "registered_at_block": 1}],
 "params": $2}
JSON
}
write_epoch 0000 '{"mode":"recurse_native","size":1000000000}'
write_epoch 0001 '{"mode":"recurse_native","size":2000}'
write_epoch 0002 '{"mode":"recurse_shadow"}'
for arch in x86_64 aarch64; do
  if [ "$arch" = x86_64 ]; then runner=("$native"); else runner=("${arm[@]}"); fi
  # A run whose epochs end in a deterministic error still writes their receipts; the exit status says so.
  IMR_CACHE_DIR="$work/cache-$arch" "${runner[@]}" run --mechanism "$hostile" --epochs "$work/stack-epochs" \
    --log "$work/stack-log-$arch" --out "$work/stack-out-$arch" >"$work/stack-$arch.txt" 2>&1 || true
done
grep -q -i "stack" "$work/stack-x86_64.txt" || {
  echo "error: the x86_64 run of the deep recursion did not report the stack limit:" >&2
  cat "$work/stack-x86_64.txt" >&2
  exit 1
}
same_logs stack-log
echo "   $count files identical (StackLimit error, fuel and receipts)"

echo "cross-arch: 2 passed, 0 failed"
