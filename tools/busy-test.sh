#!/usr/bin/env bash
# Runs the README's test command RUNS times in a row (default 10) while one busy loop per core
# keeps every core loaded, as on a shared machine, and stops at the first failure.
#
#   tools/busy-test.sh [RUNS]
#
# Each run's output goes to target/busy-test/run-N.log; the script prints one line per run
# with its wall time, and exits non-zero if any run failed.
set -uo pipefail
cd "$(dirname "$0")/.."
runs=${1:-10}
out=target/busy-test
mkdir -p "$out"
cargo test --locked --no-run >/dev/null 2>&1 || { echo "the tests do not build"; exit 1; }
burners=()
for _ in $(seq "$(nproc)"); do
  ( while :; do :; done ) &
  burners+=($!)
done
trap 'kill "${burners[@]}" 2>/dev/null' EXIT
echo "$(nproc) busy loops running; $runs runs of cargo test --locked"
failed=0
for i in $(seq "$runs"); do
  start=$(date +%s)
  if cargo test --locked >"$out/run-$i.log" 2>&1; then
    echo "run $i: passed in $(( $(date +%s) - start )) s"
  else
    echo "run $i: FAILED in $(( $(date +%s) - start )) s (see $out/run-$i.log)"
    failed=1
    break
  fi
done
exit $failed
