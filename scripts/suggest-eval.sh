#!/usr/bin/env bash
# How often a title's own prefixes find it among the first 5 suggestions:
# for every title, each prefix of 2-4 characters and the pinyin initials of
# that prefix (examples/suggest_eval.rs), on the bundled corpus with the
# fixtures and on the ECS guide. Prints the README's table.
#
#   scripts/suggest-eval.sh [SHARED_DIR]      (default ../shared)
set -euo pipefail
cd "$(dirname "$0")/.."
shared=${1:-../shared}
cargo build --quiet --release --example suggest_eval
bin=target/release/examples/suggest_eval
row() {
    local name=$1
    shift
    "$bin" --json "$@" | python3 -c '
import json, sys
name = sys.argv[1]
r = json.load(sys.stdin)
pct = lambda a, b: f"{a}/{b} ({100 * a / max(b, 1):.1f}%)"
t, pf, p = r["titles"], r["prefixes_found"], r["prefixes"]
inf, ini, rate = r["initials_found"], r["initials"], r["rate"]
print(f"| {name} | {t} | {pct(pf, p)} | {pct(inf, ini)} | {100 * rate:.1f}% |")
' "$name"
}
echo "| corpus | titles | character prefixes (2–4) found | their initials found | both |"
echo "| --- | ---: | ---: | ---: | ---: |"
row "corpus/ and the fixtures (tests/data: docset, bulk, crawl)" corpus tests/data/docset tests/data/bulk tests/data/crawl
if [ -d "$shared/corpora/huaweicloud-ecs-guide" ]; then
    row "huaweicloud-ecs-guide" "$shared/corpora/huaweicloud-ecs-guide"
fi
