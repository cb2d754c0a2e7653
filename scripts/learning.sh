#!/usr/bin/env bash
# Learning from use, replayed: for each paraphrase pair {"a", "b", "relevant"}
# of a guide, a helpful answer to `a` is learned, then `b` (worded
# differently, never seen) is searched. Prints MRR@10 of every `b` before
# and after, in both directions (a teaches b, then b teaches a).
#
#   scripts/learning.sh [SHARED_DIR] [GUIDE...]     (default guides: elb nat mrs)
#
# The RDS and CCE pairs (tests/data/{rds,cce}_paraphrases.jsonl) belong to
# the blind guides: `scripts/learning.sh ../shared rds cce` runs them.
set -euo pipefail
cd "$(dirname "$0")/.."
shared=$(cd "${1:-../shared}" && pwd)
shift || true
guides=("$@")
[ ${#guides[@]} -eq 0 ] && guides=(elb nat mrs)
cargo build --release --quiet
wenda=$PWD/target/release/wenda
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# The last two columns bound what learning by shared words can do: of the
# unseen wordings not found first before, how many share any Latin word or
# ideograph pair with the wording that teaches them.
echo "| guide | pairs | direction | MRR@10 of the unseen wording before | after | change | not first before | of them sharing a word with the teacher |"
echo "| --- | ---: | --- | ---: | ---: | ---: | ---: | ---: |"
for g in "${guides[@]}"; do
  pairs=tests/data/${g}_paraphrases.jsonl
  python3 -c 'import json,sys
for l in open(sys.argv[1]):
    if l.strip():
        r=json.loads(l); r["a"],r["b"]=r["b"],r["a"]; print(json.dumps(r,ensure_ascii=False))' "$pairs" >"$tmp/rev-$g.jsonl"
  n=$(grep -c . "$pairs")
  for dir in "a teaches b:$pairs" "b teaches a:$tmp/rev-$g.jsonl"; do
    "$wenda" eval --replay "${dir#*:}" --corpus "$shared/corpora/huaweicloud-$g-guide" \
      --index "$tmp/idx-$g" --json 2>/dev/null | python3 -c '
import json,re,sys
def units(s):
    s = s.lower()
    runs = re.findall(r"[\u4e00-\u9fff]+", s)
    return set(re.findall(r"[a-z0-9]+", s)) | {r[i:i+2] for r in runs for i in range(len(r) - 1)}
r=json.load(sys.stdin); b=r["before"]["mrr_at_10"]; a=r["after"]["mrr_at_10"]
missed = {m["q"] for m in r["before"]["missed"]}
pairs = [json.loads(l) for l in open(sys.argv[4]) if l.strip()]
late = [p for p in pairs if p["b"] in missed]
shared = sum(1 for p in late if units(p["a"]) & units(p["b"]))
print("| %s | %s | %s | %.3f | %.3f | %+.3f | %d | %d |" % (sys.argv[1], sys.argv[2], sys.argv[3], b, a, a-b, len(late), shared))' "$g" "$n" "${dir%%:*}" "${dir#*:}"
  done
done
