#!/usr/bin/env bash
# wenda against Apache Lucene BM25 (../shared/tools/baseline), side by side,
# on the same corpora and query files, as a Markdown table.
#
#   scripts/compare.sh [SHARED_DIR]
#
# Corpora: the bundled corpus/ (exported with `wenda export`, so both engines
# index the same title and text) and the ECS user guide (converted with the
# baseline's own md2jsonl.py). Each cell: MRR@10 / R@1 / p50 latency; the
# last column is wenda's p50 over Lucene smartcn's in the same run.
# Lucene runs with SmartChineseAnalyzer, CJK bigrams and ICU, title boost 2.
# Both engines are timed the same way (the baseline harness's defaults): the
# scored pass, more passes until 3 s have gone by, then 5 timed rounds; p50
# over every timed search.
set -euo pipefail
cd "$(dirname "$0")/.."
shared=$(cd "${1:-../shared}" && pwd)
baseline=$shared/tools/baseline
ecs=$shared/corpora/huaweicloud-ecs-guide
cargo build --release --quiet
wenda=$PWD/target/release/wenda
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

"$wenda" export --corpus corpus --index "$tmp/idx-partner" > "$tmp/partner.jsonl" 2>/dev/null
python3 "$baseline/md2jsonl.py" "$ecs" > "$tmp/ecs.jsonl" 2>/dev/null

ours() { # corpus-dir index queries
  "$wenda" eval "$3" --corpus "$1" --index "$2" --json --warmup-ms 3000 --rounds 5 2>/dev/null |
    python3 -c 'import json,sys; r=json.load(sys.stdin); print("%.3f / %.2f / %.3f ms\t%f" % (r["mrr_at_10"], r["recall_at_1"], r["p50_ms"], r["p50_ms"]))'
}
lucene() { # analyzer corpus.jsonl queries
  "$baseline/lucene.sh" --analyzer "$1" --corpus "$2" --queries "$3" 2>/dev/null | tail -n 1 |
    python3 -c 'import json,sys; r=json.load(sys.stdin); print("%.3f / %.2f / %.3f ms\t%f" % (r["mrr@10"], r["recall@1"], r["query_p50_us"] / 1000, r["query_p50_us"] / 1000))'
}
row() { # label corpus-dir index corpus.jsonl queries
  local w s c i
  w=$(ours "$2" "$3" "$5")
  s=$(lucene smartcn "$4" "$5")
  c=$(lucene cjk "$4" "$5")
  i=$(lucene icu "$4" "$5")
  printf '| %s | %s | %s | %s | %s | %s |\n' "$1" "${w%%$'\t'*}" "${s%%$'\t'*}" \
    "${c%%$'\t'*}" "${i%%$'\t'*}" "$(awk -v a="${w##*$'\t'}" -v b="${s##*$'\t'}" 'BEGIN { printf "%.2f×", a / b }')"
}

echo "| query set | wenda | Lucene smartcn | Lucene CJK bigrams | Lucene ICU | wenda ÷ smartcn p50 |"
echo "| --- | --- | --- | --- | --- | --- |"
row "partner, 73 (tests/data/partner_dev_queries.jsonl)" corpus "$tmp/idx-partner" "$tmp/partner.jsonl" tests/data/partner_dev_queries.jsonl
for set in ecs_dev_queries ecs_holdout_queries ecs_blind_queries; do
  n=$(grep -c . "tests/data/$set.jsonl")
  row "ECS, $n (tests/data/$set.jsonl)" "$ecs" "$tmp/idx-ecs" "$tmp/ecs.jsonl" "tests/data/$set.jsonl"
done
n=$(grep -c . "$shared/eval/ecs_dev_queries.jsonl")
row "ECS, $n (shared eval/ecs_dev_queries.jsonl)" "$ecs" "$tmp/idx-ecs" "$tmp/ecs.jsonl" "$shared/eval/ecs_dev_queries.jsonl"
