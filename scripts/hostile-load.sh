#!/usr/bin/env bash
# Normal search while attackers send worst-case queries.
#
#   [WENDA_BIN=…] scripts/hostile-load.sh [SHARED_DIR] [SECONDS]
#
# Serves the ECS guide (SHARED_DIR/corpora/huaweicloud-ecs-guide; the
# bundled corpus when it is absent) from a release build, then:
#   1. normal search alone: wrk, 2 threads, 8 connections, SECONDS (default
#      10), /api/search cycling tests/data/ecs_dev_queries.jsonl;
#   2. the same while 16 more connections (a second wrk) send 1,000-character
#      queries of random CJK characters (a new one each request, so nothing
#      is cached), the worst case for query planning.
# Prints normal throughput before and during the attack, their ratio, and
# the attackers' latency and status counts (a request past the server's
# 10 s timeout would show as a 503 `timeout` or a wrk timeout).
set -euo pipefail
cd "$(dirname "$0")/.."
shared=${1:-../shared}
secs=${2:-10}
command -v wrk >/dev/null || { echo "hostile-load.sh needs wrk (apt-get install wrk)" >&2; exit 1; }
# WENDA_BIN runs another wenda binary (e.g. a build from before the heavy
# lane) instead of building this checkout.
if [ -n "${WENDA_BIN:-}" ]; then
  wenda=$WENDA_BIN
else
  cargo build --release --quiet
  wenda=$PWD/target/release/wenda
fi
work=$(mktemp -d)
server=
trap '[ -n "$server" ] && kill "$server" 2>/dev/null; rm -rf "$work"' EXIT

corpus=$shared/corpora/huaweicloud-ecs-guide
[ -d "$corpus" ] || corpus=corpus
"$wenda" ingest --corpus "$corpus" --index "$work/index" >/dev/null 2>&1

python3 scripts/wrk-search.py "$work/normal.lua" tests/data/ecs_dev_queries.jsonl
# 400 different worst-case queries, 1,000 random CJK characters each.
python3 -c 'import random
rng = random.Random(7)
for _ in range(400):
    print("".join(chr(rng.randint(0x4E00, 0x9FA5)) for _ in range(1000)))' |
  python3 scripts/wrk-search.py "$work/attack.lua"

port=$((20000 + RANDOM % 20000))
"$wenda" serve --corpus "$corpus" --index "$work/index" --addr "127.0.0.1:$port" \
  --rate-limit 0 --log-dir "$work/logs" >/dev/null 2>"$work/serve.log" &
server=$!
for _ in $(seq 1 200); do
  curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && break
  sleep 0.1
done

rps() { awk '/Requests\/sec/ {printf "%.0f", $2}'; }
url=http://127.0.0.1:$port
alone=$(wrk -t2 -c8 -d"${secs}s" -s "$work/normal.lua" "$url" 2>&1)
wrk -t2 -c16 -d"$((secs + 2))s" --timeout 30s --latency -s "$work/attack.lua" "$url" >"$work/attack.out" 2>&1 &
attacker=$!
sleep 1
during=$(wrk -t2 -c8 -d"${secs}s" -s "$work/normal.lua" "$url" 2>&1)
wait "$attacker" || true

a=$(echo "$alone" | rps)
d=$(echo "$during" | rps)
echo "corpus: $corpus"
echo "normal search alone:            $a req/s"
echo "normal search under attack:     $d req/s ($(echo "scale=1; 100 * $d / $a" | bc)% kept)"
echo "attack (16 connections, 1,000-character queries):"
grep -E "Requests/sec|Non-2xx|Socket errors|^ +50%|^ +99%|Latency" "$work/attack.out" | sed 's/^/  /'
grep -c '"timeout"' "$work/logs/queries.jsonl" 2>/dev/null | sed 's/^/  queries logged as timed out: /' || true
