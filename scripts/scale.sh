#!/usr/bin/env bash
# wenda at scale: ingest, start, memory and search latency on generated
# help centres, as the Markdown table of the README.
#
#   scripts/scale.sh [SHARED_DIR] [N…]        (default ../shared, 10000 100000)
#
# For each N, SHARED_DIR/tools/scale-corpus.py writes N articles (real guide
# text recombined, deterministic), split into JSONL files of 1,000 articles.
# A first row does the same on the ECS user guide (SHARED_DIR/corpora).
# Per corpus:
#   - `wenda ingest`: wall time, text throughput (bytes of .md, .jsonl and
#     .txt files per second), peak RSS (/usr/bin/time -v);
#   - `wenda serve`: time from launch to the first answered /api/search
#     (launched and polled from one Python process), and RSS while serving
#     (after the wrk run);
#   - in-process search p50 / p99: `wenda eval` over a mixed query file
#     (ECS dev queries plus the ELB, NAT and MRS dev queries, 240 in all);
#   - HTTP: wrk, 2 threads, 32 connections, 10 s, /api/search cycling the
#     same queries (requests per second, p50 / p99 latency).
# Generated corpora and indexes stay in WENDA_SCALE_DIR (default
# /tmp/wenda-scale) for the next run; the 100k corpus is ~766 MB.
# WENDA_BIN runs another wenda binary (e.g. an older build) instead of
# building this one.
set -euo pipefail
cd "$(dirname "$0")/.."
shared=../shared
sizes=()
for a in "$@"; do
  if [[ $a =~ ^[0-9]+$ ]]; then sizes+=("$a"); else shared=$a; fi
done
[ ${#sizes[@]} -gt 0 ] || sizes=(10000 100000)
shared=$(cd "$shared" && pwd)
work=${WENDA_SCALE_DIR:-${TMPDIR:-/tmp}/wenda-scale}
mkdir -p "$work"
if [ -n "${WENDA_BIN:-}" ]; then
  wenda=$WENDA_BIN
else
  cargo build --release --quiet
  wenda=$PWD/target/release/wenda
fi
for tool in /usr/bin/time wrk curl python3; do
  command -v "$tool" >/dev/null || { echo "scale.sh needs $tool (apt-get install time wrk curl python3)" >&2; exit 1; }
done

queries=$work/mixed_queries.jsonl
cat tests/data/ecs_dev_queries.jsonl tests/data/elb_dev_queries.jsonl \
  tests/data/nat_dev_queries.jsonl tests/data/mrs_dev_queries.jsonl > "$queries"
python3 scripts/wrk-search.py "$work/queries.lua" "$queries"

corpus_for() { # N -> directory of JSONL shards
  local n=$1 dir=$work/corpus-$1
  if [ ! -f "$dir/.complete" ]; then
    rm -rf "$dir" && mkdir -p "$dir"
    python3 "$shared/tools/scale-corpus.py" "$n" "$dir/.all.jsonl"
    (cd "$dir" && split -l 1000 -d -a 4 --additional-suffix=.jsonl .all.jsonl part- && rm .all.jsonl)
    touch "$dir/.complete"
  fi
  echo "$dir"
}

secs() { # "h:mm:ss.ss" or "m:ss.ss" -> seconds
  echo "$1" | awk -F: '{ s = 0; for (i = 1; i <= NF; i++) s = s * 60 + $i; print s }'
}

measure() { # label corpus-dir
  local label=$1 corpus=$2 index=$work/index-$(basename "$2") log
  log=$work/ingest-$(basename "$2").log
  /usr/bin/time -v "$wenda" ingest --corpus "$corpus" --index "$index" >/dev/null 2>"$log"
  local wall rss_kb bytes
  wall=$(secs "$(grep 'Elapsed (wall clock)' "$log" | awk '{print $NF}')")
  rss_kb=$(grep 'Maximum resident set size' "$log" | awk '{print $NF}')
  bytes=$(find -L "$corpus" -type f ! -name '.*' \( -name '*.md' -o -name '*.jsonl' -o -name '*.txt' \) \
    -printf '%s\n' | awk '{s += $1} END {print s}')

  # Launch and poll from one Python process: the time from the fork to
  # the first 200 from /api/search, in milliseconds (pid on stdout first).
  local port=$((20000 + RANDOM % 20000)) ready_ms pid
  exec 3< <(python3 - "$wenda" "$corpus" "$index" "$port" "$work" <<'PY'
import subprocess, sys, time, urllib.request
wenda, corpus, index, port, work = sys.argv[1:]
started = time.monotonic()
p = subprocess.Popen([wenda, "serve", "--corpus", corpus, "--index", index,
                      "--addr", "127.0.0.1:" + port, "--log-dir", work + "/logs"],
                     stdout=subprocess.DEVNULL, stderr=open(work + "/serve.log", "w"))
print(p.pid, flush=True)
url = "http://127.0.0.1:%s/api/search?q=%%E4%%BA%%91%%E6%%9C%%8D%%E5%%8A%%A1%%E5%%99%%A8" % port
while time.monotonic() - started < 120 and p.poll() is None:
    try:
        with urllib.request.urlopen(url, timeout=5) as r:
            if r.status == 200:
                print(round((time.monotonic() - started) * 1000), flush=True)
                break
    except OSError:
        time.sleep(0.002)
else:
    print("timeout", flush=True)
PY
)
  read -r pid <&3
  read -r ready_ms <&3
  exec 3<&-
  local wrk_out rps lat50 lat99 serve_rss
  wrk_out=$(wrk -t2 -c32 -d10s --latency -s "$work/queries.lua" "http://127.0.0.1:$port" 2>&1 || true)
  rps=$(echo "$wrk_out" | awk '/Requests\/sec/ {printf "%.0f", $2}')
  lat50=$(echo "$wrk_out" | awk '$1 == "50%" {print $2}')
  lat99=$(echo "$wrk_out" | awk '$1 == "99%" {print $2}')
  serve_rss=$(awk '/VmRSS/ {printf "%.0f", $2 / 1024}' "/proc/$pid/status" 2>/dev/null || echo "?")
  kill "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true

  local inproc
  inproc=$("$wenda" eval "$queries" --corpus "$corpus" --index "$index" --json 2>/dev/null |
    python3 -c 'import json,sys; r=json.load(sys.stdin); print("%.2f ms / %.2f ms" % (r["p50_ms"], r["p99_ms"]))')

  printf '| %s | %.1f s | %.1f MB/s | %d MB | %s ms | %s MB | %s | %s req/s, %s / %s |\n' \
    "$label" "$wall" "$(echo "$bytes $wall" | awk '{print $1 / 1e6 / $2}')" $((rss_kb / 1024)) \
    "$ready_ms" "$serve_rss" "$inproc" "${rps:-?}" "${lat50:-?}" "${lat99:-?}"
}

echo "wenda: $wenda ($("$wenda" --version))"
echo
echo "| articles | \`wenda ingest\` | text | peak RSS (ingest) | \`serve\` to first answer | RSS serving | search p50 / p99 in-process | HTTP, 32 connections: throughput, p50 / p99 |"
echo "| ---: | ---: | ---: | ---: | ---: | ---: | --- | --- |"
ecs=$shared/corpora/huaweicloud-ecs-guide
[ -d "$ecs" ] && measure "227 (ECS guide)" "$ecs"
for n in "${sizes[@]}"; do
  measure "$(printf "%'d" "$n")" "$(corpus_for "$n")"
done
