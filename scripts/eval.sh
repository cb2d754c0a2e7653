#!/usr/bin/env bash
# Ranking quality of wenda, as a Markdown table.
#
#   scripts/eval.sh [SHARED_DIR]
#
# Partner set: tests/data/partner_dev_queries.jsonl on the bundled corpus/.
# ECS sets (when SHARED_DIR, default ../shared, has them): the ECS user guide
# with tests/data/ecs_{dev,holdout,blind}_queries.jsonl and
# SHARED_DIR/eval/ecs_dev_queries.jsonl. (scripts/compare.sh adds Lucene.)
set -euo pipefail
cd "$(dirname "$0")/.."
shared=${1:-../shared}
cargo build --release --quiet
wenda=target/release/wenda
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

row() { # name corpus-dir queries
  "$wenda" eval "$3" --corpus "$2" --index "$tmp/idx-$(basename "$2")" --json 2>/dev/null |
    python3 -c '
import json, sys
r = json.load(sys.stdin)
print("| %s | %d | %.3f | %.3f | %.3f | %.3f | %.3f |" % (sys.argv[1], r["queries"], r["mrr_at_10"],
      r["recall_at_1"], r["recall_at_5"], r["recall_at_10"], r["p50_ms"]))' "$1"
}

echo "| query set | queries | MRR@10 | R@1 | R@5 | R@10 | p50 ms |"
echo "| --- | ---: | ---: | ---: | ---: | ---: | ---: |"
row "partner (corpus/, tests/data/partner_dev_queries.jsonl)" corpus tests/data/partner_dev_queries.jsonl
ecs=$shared/corpora/huaweicloud-ecs-guide
if [ -d "$ecs" ]; then
  for set in ecs_dev_queries ecs_holdout_queries ecs_blind_queries; do
    row "ECS guide (tests/data/$set.jsonl)" "$ecs" "tests/data/$set.jsonl"
  done
  [ -f "$shared/eval/ecs_dev_queries.jsonl" ] &&
    row "ECS guide, shared (eval/ecs_dev_queries.jsonl)" "$ecs" "$shared/eval/ecs_dev_queries.jsonl"
else
  echo "(no $ecs: ECS rows skipped)" >&2
fi
