#!/usr/bin/env bash
# Runs every fuzz target (fuzz/fuzz_targets) for SECONDS each, one after
# another, and prints per target: executions, crashes, timeouts (an input
# taking over 1 s) and slow inputs, from libFuzzer's final statistics.
#
#   scripts/fuzz.sh [SECONDS] [TARGET…]     # default 60 s, all targets
#
# Needs cargo-fuzz (`cargo install cargo-fuzz`). libFuzzer's coverage
# instrumentation needs nightly flags; on a stable toolchain
# RUSTC_BOOTSTRAP=1 lets it through, with no sanitizer (`-s none`).
# Seeds come from scripts/fuzz-seed.sh (run here when fuzz/corpus is
# missing, with SHARED_DIR, default ../shared); inputs found on the way are added to fuzz/corpus/TARGET, and
# crashing or slow inputs are saved in fuzz/artifacts/TARGET. Inputs are cut
# to FUZZ_MAX_LEN bytes (default 4096): big and deep inputs are the unit
# tests' job, speed is the fuzzer's.
#
# A new target: add fuzz/fuzz_targets/NAME.rs and a [[bin]] for it in
# fuzz/Cargo.toml, a seed_NAME function in scripts/fuzz-seed.sh, and NAME
# to TARGETS below.
set -euo pipefail
cd "$(dirname "$0")/../fuzz"
TARGETS=(markdown crawl jsonl toc html query)
secs=${1:-60}
shift || true
[ $# -gt 0 ] && TARGETS=("$@")
max_len=${FUZZ_MAX_LEN:-4096}
export RUSTC_BOOTSTRAP=1

for t in "${TARGETS[@]}"; do
  [ -d "corpus/$t" ] || ../scripts/fuzz-seed.sh "${SHARED_DIR:-../shared}"
done
mkdir -p artifacts
cargo fuzz build -s none >artifacts/build.log 2>&1 || { cat artifacts/build.log >&2; exit 1; }

count() { # TARGET PREFIX
  find "artifacts/$1" -maxdepth 1 -name "$2-*" 2>/dev/null | wc -l
}

status=0
rows=()
for t in "${TARGETS[@]}"; do
  mkdir -p "artifacts/$t"
  log="artifacts/$t.log"
  crash0=$(( $(count "$t" crash) + $(count "$t" oom) + $(count "$t" leak) ))
  timeout0=$(count "$t" timeout)
  slow0=$(count "$t" slow-unit)
  set +e
  cargo fuzz run -s none "$t" "corpus/$t" -- \
    -max_total_time="$secs" -timeout=1 -report_slow_units=1 \
    -max_len="$max_len" -rss_limit_mb=2048 -print_final_stats=1 >"$log" 2>&1
  rc=$?
  set -e
  runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  speed=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)
  slowest=$(sed -n 's/^stat::slowest_unit_time_sec: *//p' "$log" | tail -1)
  crashes=$(( $(count "$t" crash) + $(count "$t" oom) + $(count "$t" leak) - crash0 ))
  timeouts=$(( $(count "$t" timeout) - timeout0 ))
  slow=$(( $(count "$t" slow-unit) - slow0 ))
  if [ "$rc" -ne 0 ] || [ "$crashes" -gt 0 ] || [ "$timeouts" -gt 0 ]; then
    status=1
    echo "$t: libFuzzer exited $rc; see fuzz/$log and fuzz/artifacts/$t/" >&2
  fi
  rows+=("| $t | ${runs:-?} | ${speed:-?} | $crashes | $timeouts | $slow | ${slowest:-?} |")
done

echo "| target | executions | per second | crashes | timeouts (> 1 s) | slow inputs | slowest input (s) |"
echo "| --- | ---: | ---: | ---: | ---: | ---: | ---: |"
printf '%s\n' "${rows[@]}"
exit "$status"
