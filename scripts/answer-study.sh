#!/usr/bin/env bash
# The answer policy studied offline: confidence refitted with and without
# the proximity share, other thresholds, a variant-title rule — on the dev
# questions (as scripts/calibrate.sh fits) and the ELB, NAT and MRS
# holdouts. See scripts/answer-study.py.
#
#   scripts/answer-study.sh [SHARED_DIR]
set -euo pipefail
cd "$(dirname "$0")/.."
shared=$(cd "${1:-../shared}" && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
scripts/calibrate.sh "$shared" --rows "$tmp/dev.jsonl" >/dev/null
sets=()
for g in elb nat mrs; do
  sets+=(--set "$shared/corpora/huaweicloud-$g-guide=tests/data/${g}_holdout_queries.jsonl")
done
target/release/wenda calibrate "${sets[@]}" --rows "$tmp/hold.jsonl" >/dev/null 2>&1
python3 scripts/answer-study.py "$tmp/dev.jsonl" "$tmp/hold.jsonl"
