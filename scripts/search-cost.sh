#!/usr/bin/env bash
# Instructions per search on the ECS guide, counted by valgrind's callgrind
# inside `Engine::search` only: a cost figure that does not move with the
# load of a shared machine (wall-clock latencies do).
#
#   scripts/search-cost.sh [SHARED_DIR] [WENDA_BINARY] [EVAL ARGS…]
#
# EVAL ARGS go to `wenda eval`: `scripts/search-cost.sh ../shared ""
# --without proximity` prices a part of the ranking (an empty WENDA_BINARY
# builds as usual).
#
# Runs the 100 ECS dev queries five times (caches warm after the first).
set -euo pipefail
cd "$(dirname "$0")/.."
shared=${1:-../shared}
wenda=${2:-}
shift 2 2>/dev/null || shift $#
if [ -z "$wenda" ]; then
  cargo build --release --quiet
  wenda=target/release/wenda
fi
command -v valgrind >/dev/null || { echo "search-cost.sh needs valgrind (apt-get install valgrind)" >&2; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
for _ in 1 2 3 4 5; do cat tests/data/ecs_dev_queries.jsonl; done > "$tmp/q.jsonl"
n=$(grep -c . "$tmp/q.jsonl")
ecs=$shared/corpora/huaweicloud-ecs-guide
"$wenda" ingest --corpus "$ecs" --index "$tmp/idx" >/dev/null 2>&1
valgrind --tool=callgrind --callgrind-out-file="$tmp/cg.out" \
  --toggle-collect='wenda::search::Engine::search*' \
  "$wenda" eval "$tmp/q.jsonl" --corpus "$ecs" --index "$tmp/idx" --json "$@" >/dev/null 2>"$tmp/vg.log"
total=$(grep -o 'Collected : [0-9]*' "$tmp/vg.log" | awk '{print $3}')
echo "$n searches, $(echo "$total $n" | awk '{printf "%.2f", $1 / $2 / 1e6}') million instructions each"
