#!/usr/bin/env bash
# Idle connections and shutdown, measured on a release build serving the
# fixture docset (tests/data/docset):
#   1. N idle connections (default 20000) are opened and held (header and
#      idle timeouts set to 10 minutes, so that only the connection cap
#      closes any); meanwhile new clients GET /healthz one after another:
#      time from connect to the last byte of the reply.
#   2. With a half-open request held (a head cut short), SIGTERM: time
#      until the process exits (the shutdown deadline is 2s here).
# Usage: scripts/connections.sh [N]
set -euo pipefail
cd "$(dirname "$0")/.."
N=${1:-20000}
ulimit -n "$(ulimit -Hn)"
echo "open-file limit per process: $(ulimit -n)"
cargo build --release -q
tmp=$(mktemp -d)
pid=
cleanup() {
    [ -n "$pid" ] && kill "$pid" 2>/dev/null || true
    rm -rf "$tmp"
}
trap cleanup EXIT
target/release/wenda serve --addr 127.0.0.1:0 --corpus tests/data/docset \
    --index "$tmp/index" --log-dir "$tmp/logs" --shutdown-timeout 2s \
    --header-timeout 10m --idle-timeout 10m \
    2>"$tmp/server.log" &
pid=$!
addr=
for _ in $(seq 1 600); do
    addr=$(sed -n 's/.*listening on http:\/\/\([0-9.:]*\).*/\1/p' "$tmp/server.log" | head -1)
    [ -n "$addr" ] && break
    sleep 0.1
done
[ -n "$addr" ] || { cat "$tmp/server.log"; exit 1; }
grep -o "at most [0-9]* connections at once" "$tmp/server.log" || true
python3 scripts/connections.py --addr "$addr" --idle "$N" --probes 50

# A half-open request, then SIGTERM.
exec 3<>"/dev/tcp/${addr%:*}/${addr#*:}"
printf 'POST /api/feedback HTTP/1.1\r\nHost: x\r\nContent-Type: applic' >&3
sleep 0.2
start=$(date +%s%N)
kill -TERM "$pid"
wait "$pid" || true
end=$(date +%s%N)
pid=
exec 3>&-
echo "SIGTERM with a half-open request held: exited after $(( (end - start) / 1000000 )) ms (deadline 2000 ms)"
