#!/usr/bin/env bash
# What each part of wenda's ranking adds: MRR@10 with one part turned off
# (`wenda eval --without PART`), as a Markdown table.
#
#   scripts/ablation.sh [SHARED_DIR]
set -euo pipefail
cd "$(dirname "$0")/.."
shared=${1:-../shared}
ecs=$shared/corpora/huaweicloud-ecs-guide
cargo build --release --quiet
wenda=target/release/wenda
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

mrr() { # corpus index queries [part]
  "$wenda" eval "$3" --corpus "$1" --index "$2" --json ${4:+--without "$4"} 2>/dev/null |
    python3 -c 'import json,sys; print("%.3f" % json.load(sys.stdin)["mrr_at_10"])'
}
sets=("corpus|$tmp/p|tests/data/partner_dev_queries.jsonl")
for s in ecs_dev_queries ecs_holdout_queries ecs_blind_queries; do
  [ -d "$ecs" ] && sets+=("$ecs|$tmp/e|tests/data/$s.jsonl")
done
# The dev guides of the generalising work (never the blind RDS/CCE sets).
for g in elb nat mrs; do
  d=$shared/corpora/huaweicloud-$g-guide
  [ -d "$d" ] && sets+=("$d|$tmp/$g|tests/data/${g}_dev_queries.jsonl")
done
header="| ranking |"; rule="| --- |"
for s in "${sets[@]}"; do header+=" $(basename "${s##*|}" .jsonl) |"; rule+=" ---: |"; done
echo "$header"; echo "$rule"
for part in "" grams synonyms lexicon mined typos pinyin proximity rerank; do
  line="| ${part:+without }${part:-everything on} |"
  for s in "${sets[@]}"; do
    IFS='|' read -r c i q <<<"$s"
    line+=" $(mrr "$c" "$i" "$q" "$part") |"
  done
  echo "$line"
done
