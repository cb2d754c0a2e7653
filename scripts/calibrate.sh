#!/usr/bin/env bash
# The answer-confidence model and policy, measured.
#
#   scripts/calibrate.sh [SHARED_DIR] [--rows FILE]
#
# Fits the model on the dev question sets (answerable and unanswerable: the
# bundled corpus, and the ECS, ELB, NAT and MRS guides) and prints
# precision, coverage and false answers at each threshold for the fitted and
# the shipped model, and what the shipped answer policy does with the
# questions. Blind sets are never fitted on: scripts/generalise.sh --blind
# reports the shipped policy there.
set -euo pipefail
cd "$(dirname "$0")/.."
shared=${1:-../shared}
shift || true
cargo build --release --quiet
T=tests/data
sets=(--set corpus=$T/partner_dev_queries.jsonl
      --set corpus=$T/partner_unanswerable.jsonl)
ecs=$shared/corpora/huaweicloud-ecs-guide
if [ -d "$ecs" ]; then
  sets+=(--set "$ecs=$T/ecs_dev_queries.jsonl"
         --set "$ecs=$T/ecs_holdout_queries.jsonl"
         --set "$ecs=$T/ecs_unanswerable.jsonl")
fi
for g in elb nat mrs; do
  dir=$shared/corpora/huaweicloud-$g-guide
  if [ -d "$dir" ]; then
    sets+=(--set "$dir=$T/${g}_dev_queries.jsonl" --set "$dir=$T/${g}_unanswerable.jsonl")
  fi
done
# --rows FILE also writes each question's features and the policy's
# decision, one JSON line each, for studying the policy.
target/release/wenda calibrate "${sets[@]}" "$@" 2>/dev/null
