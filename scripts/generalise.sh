#!/usr/bin/env bash
# Ranking and answers on every query set: wenda (everything on, and with the
# hand-written product synonyms off) against the best of the three Lucene
# analyzers of ../shared/tools/baseline, and what /api/answer does with the
# set's questions and its unanswerable ones (`wenda calibrate`'s shipped
# policy: the same code path as the HTTP endpoint).
#
#   scripts/generalise.sh [SHARED_DIR]           the dev sets
#   scripts/generalise.sh [SHARED_DIR] --blind   the blind sets (run once, at the end)
#   scripts/generalise.sh [SHARED_DIR] --holdout the held-out sets of the dev guides
#                                                (read as figures only, never per query)
#
# Lucene reads each guide through the baseline's md2jsonl.py and the bundled
# corpus through `wenda export`; the combined help centre is the five new
# guides in one index (ids qualified with the guide's directory, as wenda's
# are when file names repeat across guides).
set -euo pipefail
cd "$(dirname "$0")/.."
shared=../shared
mode=
for a in "$@"; do
  case $a in
  --blind | --holdout) mode=$a ;;
  -*) echo "usage: scripts/generalise.sh [SHARED_DIR] [--blind | --holdout]" >&2; exit 2 ;;
  *) shared=$a ;;
  esac
done
shared=$(cd "$shared" && pwd)
corpora=$shared/corpora
baseline=$shared/tools/baseline
cargo build --release --quiet
wenda=$PWD/target/release/wenda
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

guide() { echo "$corpora/huaweicloud-$1-guide"; }
lucene_corpus() { # name -> jsonl for Lucene
  local out=$tmp/$1.jsonl
  [ -f "$out" ] && { echo "$out"; return; }
  case $1 in
  partner) "$wenda" export --corpus corpus --index "$tmp/export" >"$out" 2>/dev/null ;;
  combined)
    for g in rds elb nat cce mrs; do
      python3 "$baseline/md2jsonl.py" "$(guide $g)" 2>/dev/null |
        python3 -c 'import json,sys
p=sys.argv[1]
for l in sys.stdin:
    r=json.loads(l); r["id"]=p+"/"+r["id"]; print(json.dumps(r,ensure_ascii=False))' "huaweicloud-$g-guide"
    done >"$out" ;;
  *) python3 "$baseline/md2jsonl.py" "$(guide "$1")" >"$out" 2>/dev/null ;;
  esac
  echo "$out"
}
dirs_of() { # name -> comma-separated corpus dirs
  case $1 in
  partner) echo corpus ;;
  combined) echo "$(guide rds),$(guide elb),$(guide nat),$(guide cce),$(guide mrs)" ;;
  *) guide "$1" ;;
  esac
}
ours() { # dirs queries [eval args]
  local dirs=$1 q=$2
  shift 2
  local args=()
  IFS=, read -ra ds <<<"$dirs"
  for d in "${ds[@]}"; do args+=(--corpus "$d"); done
  "$wenda" eval "$q" "${args[@]}" --index "$tmp/idx-$(echo "$dirs" | md5sum | cut -c1-8)" --json "$@" 2>/dev/null |
    python3 -c 'import json,sys; r=json.load(sys.stdin); print("%.3f %.3f" % (r["mrr_at_10"], r["recall_at_1"]))'
}
best_lucene() { # corpus.jsonl queries -> "mrr r1 analyzer"
  for a in smartcn cjk icu; do
    "$baseline/lucene.sh" --analyzer "$a" --corpus "$1" --queries "$2" 2>/dev/null | tail -n 1 |
      python3 -c 'import json,sys; r=json.load(sys.stdin); print("%.3f %.3f %s" % (r["mrr@10"], r["recall@1"], sys.argv[1]))' "$a"
  done | sort -rn | head -n 1
}
answers() { # dirs queries unanswerable
  local sets=(--set "$1=$2")
  [ -n "$3" ] && sets+=(--set "$1=$3")
  "$wenda" calibrate --json "${sets[@]}" 2>/dev/null | python3 -c '
import json,sys
o=json.load(sys.stdin)["shipped_outcomes"]
n=o["answered_right"]+o["answered_wrong"]+o["clarified_with_right"]+o["clarified_without"]+o["handed_over"]
u=o["unanswerable_answered"]+o["unanswerable_clarified"]+o["unanswerable_handed_over"]
pct=lambda k: "%d (%.0f%%)" % (o[k], 100*o[k]/max(n,1))
print(" | ".join([pct("answered_right"), pct("answered_wrong"), pct("clarified_with_right"), pct("clarified_without"), pct("handed_over"), "%d of %d" % (o["unanswerable_answered"], u) if u else "–"]))'
}
row() { # label name queries [unanswerable]
  local label=$1 name=$2 q=$3 u=${4:-}
  local dirs n w ws l
  dirs=$(dirs_of "$name")
  n=$(grep -c . "$q")
  read -r wm wr <<<"$(ours "$dirs" "$q")"
  read -r sm sr <<<"$(ours "$dirs" "$q" --without synonyms)"
  read -r lm lr la <<<"$(best_lucene "$(lucene_corpus "$name")" "$q")"
  printf '| %s | %s | %s / %s | %s / %s | %s / %s (%s) | %+.3f / %+.3f | %s |\n' \
    "$label" "$n" "$wm" "$wr" "$sm" "$sr" "$lm" "$lr" "$la" \
    "$(echo "$wm - $lm" | bc -l)" "$(echo "$wr - $lr" | bc -l)" "$(answers "$dirs" "$q" "$u")"
}

echo "| set | questions | wenda MRR@10 / R@1 | without product synonyms | best Lucene | lead | answered right | answered wrong | clarified, right among choices | clarified, none right | handed over | unanswerable answered |"
echo "| --- | ---: | --- | --- | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |"
T=tests/data
if [ "$mode" = --blind ]; then
  row "RDS (blind)" rds $T/rds_blind_queries.jsonl $T/rds_blind_unanswerable.jsonl
  row "CCE (blind)" cce $T/cce_blind_queries.jsonl $T/cce_blind_unanswerable.jsonl
  row "five guides as one centre (blind)" combined $T/combined_blind_queries.jsonl $T/combined_blind_unanswerable.jsonl
elif [ "$mode" = --holdout ]; then
  row "ELB holdout" elb $T/elb_holdout_queries.jsonl $T/elb_holdout_unanswerable.jsonl
  row "NAT holdout" nat $T/nat_holdout_queries.jsonl $T/nat_holdout_unanswerable.jsonl
  row "MRS holdout" mrs $T/mrs_holdout_queries.jsonl $T/mrs_holdout_unanswerable.jsonl
else
  row "partner (dev)" partner $T/partner_dev_queries.jsonl $T/partner_unanswerable.jsonl
  row "ECS dev" ecs $T/ecs_dev_queries.jsonl $T/ecs_unanswerable.jsonl
  row "ECS holdout" ecs $T/ecs_holdout_queries.jsonl
  row "ECS blind (older; seen since)" ecs $T/ecs_blind_queries.jsonl $T/ecs_blind_unanswerable.jsonl
  row "ELB (dev)" elb $T/elb_dev_queries.jsonl $T/elb_unanswerable.jsonl
  row "NAT (dev)" nat $T/nat_dev_queries.jsonl $T/nat_unanswerable.jsonl
  row "MRS (dev)" mrs $T/mrs_dev_queries.jsonl $T/mrs_unanswerable.jsonl
fi
