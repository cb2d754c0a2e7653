#!/usr/bin/env bash
# What ingest finds in each corpus, as a Markdown table.
#
#   scripts/ingest-report.sh [SHARED_DIR]
#
# Rows: the bundled corpus/, and (when SHARED_DIR, default ../shared, has
# them) the ECS user guide and the raw partner-centre crawl.
set -euo pipefail
cd "$(dirname "$0")/.."
shared=${1:-../shared}
cargo build --release --quiet
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

row() { # label corpus-dir
  target/release/wenda ingest --corpus "$2" --index "$tmp/idx-$(basename "$2")" --json 2>/dev/null |
    python3 -c '
import json, sys
r = json.load(sys.stdin)
l = r["links"]
notes = []
if r["skipped"]: notes.append("%d skipped" % len(r["skipped"]))
if r["warnings"]: notes.append("%d warnings" % len(r["warnings"]))
print("| %s | %d | %d | %d | %d | %d | %d | %s |" % (sys.argv[1], r["articles"], r["topics"],
      r["articles_with_steps"], l["resolved"], l["external"], len(l["unresolved"]), ", ".join(notes) or "none"))' "$1"
}

echo "| corpus | articles | topic paths | with steps | links resolved | external | unresolved | skipped / warnings |"
echo "| --- | ---: | ---: | ---: | ---: | ---: | ---: | --- |"
row '`corpus/` (bundled)' corpus
[ -d "$shared/corpora/huaweicloud-ecs-guide" ] && row '`huaweicloud-ecs-guide`' "$shared/corpora/huaweicloud-ecs-guide"
[ -d "$shared/seeds" ] && row '`seeds/` (the raw crawl)' "$shared/seeds"
exit 0
