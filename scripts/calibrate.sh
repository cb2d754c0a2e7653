#!/usr/bin/env bash
# The answer-confidence model and policy, measured.
#
#   scripts/calibrate.sh [SHARED_DIR]
#
# 1. Fits the model on the dev question sets (answerable and unanswerable,
#    bundled corpus and ECS guide) and prints precision, coverage and false
#    answers at each threshold for the fitted and the shipped model, and
#    what the shipped answer policy does with each question.
# 2. Runs the shipped policy on held-out sets never used for fitting
#    (tests/data/ecs_blind_queries.jsonl and ecs_blind_unanswerable.jsonl).
set -euo pipefail
cd "$(dirname "$0")/.."
shared=${1:-../shared}
ecs=$shared/corpora/huaweicloud-ecs-guide
cargo build --release --quiet
sets=(--set corpus=tests/data/partner_dev_queries.jsonl
      --set corpus=tests/data/partner_unanswerable.jsonl)
if [ -d "$ecs" ]; then
  sets+=(--set "$ecs=tests/data/ecs_dev_queries.jsonl"
         --set "$ecs=tests/data/ecs_holdout_queries.jsonl"
         --set "$ecs=tests/data/ecs_unanswerable.jsonl")
fi
echo "## dev sets"
target/release/wenda calibrate "${sets[@]}" 2>/dev/null
if [ -d "$ecs" ]; then
  echo
  echo "## held out (ECS blind sets), shipped policy"
  target/release/wenda calibrate --json \
    --set "$ecs=tests/data/ecs_blind_queries.jsonl" \
    --set "$ecs=tests/data/ecs_blind_unanswerable.jsonl" 2>/dev/null |
    python3 -c 'import json,sys; r=json.load(sys.stdin); print(json.dumps(r["shipped_outcomes"])); p=[x for x in r["shipped_points"] if abs(x["threshold"]-0.6)<1e-6][0]; print("at 0.60: precision %.3f coverage %.3f false answers %.3f" % (p["precision"], p["coverage"], p["false_answers"]))'
fi
