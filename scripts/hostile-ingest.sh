#!/usr/bin/env bash
# Peak memory and time of `wenda ingest` on generated hostile files, one
# corpus each (next to a normal article): deep nesting, a huge front-matter
# title, a deeply nested YAML flow sequence, single-line bodies of 10 and
# 50 MB, and two lines made to slow vocabulary mining down. Prints a Markdown table (GNU time's maximum resident set size).
#
#   scripts/hostile-ingest.sh [WENDA_BINARY]    # default: a release build
set -euo pipefail
cd "$(dirname "$0")/.."
wenda=${1:-}
if [ -z "$wenda" ]; then
  cargo build --release --quiet
  wenda=target/release/wenda
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

python3 - "$tmp" <<'PY'
import json, os, sys
tmp = sys.argv[1]
ok = "# 正常文章\n\n正文。\n"
line = "代金券使用说明 "
def corpus(name, fname, text):
    d = os.path.join(tmp, name)
    os.makedirs(d)
    with open(os.path.join(d, "ok.md"), "w") as f:
        f.write(ok)
    with open(os.path.join(d, fname), "w") as f:
        f.write(text)
corpus("quote-30000", "a.md", "# t\n\n" + ">" * 30000 + " x\n")
corpus("list-30000", "a.md", "# t\n\n" + "- " * 30000 + "x\n")
corpus("yaml-flow-200KB", "a.md", "---\ntitle: x\nq: " + "[" * 100000 + "]" * 100000 + "\n---\n正文。\n")
corpus("title-15MB", "a.md", "---\ntitle: " + "标" * (15 * 1024 * 1024 // 3) + "\n---\n正文。\n")
ten = line * (10 * 1024 * 1024 // 22 - 10)
corpus("line-10MB-md", "a.md", "# 标题\n\n" + ten + "\n")
corpus("line-10MB-jsonl", "a.jsonl", json.dumps({"id": "a", "title": "t", "body": ten}, ensure_ascii=False) + "\n")
fifty = line * (50 * 1024 * 1024 // 22)
corpus("line-50MB-md", "a.md", "# 标题\n\n" + fifty + "\n")
corpus("line-50MB-jsonl", "a.jsonl", json.dumps({"id": "a", "title": "t", "body": fifty}, ensure_ascii=False) + "\n")
# Vocabulary mining: two same-sounding words made of function characters
# (以下, 一下), then one of them 40,000 times on one line.
corpus("mining-yixia-40000", "a.md", "# 说明\n\n以下是说明，稍等一下再试。以下内容，看一下。\n")
with open(os.path.join(tmp, "mining-yixia-40000", "b.md"), "w") as f:
    f.write("# B\n\n" + "以下" * 40000 + "\n")
# A 1.5 MB line of distinct Han runs beside acronyms.
import random
rnd = random.Random(3)
han = [chr(c) for c in range(0x4E00, 0x4E00 + 2000)]
up = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
acr = " ".join("".join(rnd.choice(han) for _ in range(2)) + "".join(rnd.choice(up) for _ in range(3))
               for _ in range(150000))
corpus("mining-acronyms-1.5MB", "a.md", "# 缩写\n\n" + acr + "\n")
PY

echo "| corpus | flags | exit | peak RSS (MB) | seconds | articles | warnings |"
echo "| --- | --- | ---: | ---: | ---: | ---: | ---: |"
run() { # name flags…
  local name=$1
  shift
  local out="$tmp/$name.json" err="$tmp/$name.time"
  set +e
  /usr/bin/time -f "%M %e" -o "$err" timeout 600 "$wenda" ingest --json \
    --corpus "$tmp/$name" --index "$tmp/index-$name" "$@" >"$out" 2>/dev/null
  local rc=$?
  set -e
  read -r kb secs < <(tail -n 1 "$err") || true
  local counts
  counts=$(python3 -c 'import json,sys
try:
    r = json.load(open(sys.argv[1])); print(r["articles"], len(r["warnings"]))
except Exception:
    print("-", "-")' "$out")
  echo "| $name | ${*:-(defaults)} | $rc | $((kb / 1024)) | $secs | ${counts% *} | ${counts#* } |"
}
for c in quote-30000 list-30000 yaml-flow-200KB title-15MB line-10MB-md line-10MB-jsonl line-50MB-md line-50MB-jsonl mining-yixia-40000 mining-acronyms-1.5MB; do
  run "$c"
done
for c in title-15MB line-50MB-md line-50MB-jsonl; do
  run "$c" --max-file-size 60000000
done
