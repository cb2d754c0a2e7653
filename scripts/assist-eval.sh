#!/usr/bin/env bash
# Support tickets: how wenda reads them into questions and answers each,
# as a Markdown table.
#
#   scripts/assist-eval.sh [SHARED_DIR] [--blind]
#
# Dev sets: tests/data/tickets_partner.jsonl on the bundled corpus/, and
# tests/data/tickets_ecs.jsonl on the ECS user guide (SHARED_DIR, default
# ../shared). With --blind, the blind sets (tests/data/tickets_*_blind.jsonl)
# instead: written before any code and never used to tune wenda.
#
# Columns (definitions in src/assist/eval.rs): labelled questions found as
# separate questions; spurious questions (found questions that match no
# labelled one) over questions found; per-question recall@1/@3 over the
# questions the help centre covers (a question not found counts as a
# miss); covered questions answered with a right / wrong article; questions
# labelled as not covered that the reply marks not_covered; median and
# longest time per ticket.
set -euo pipefail
cd "$(dirname "$0")/.."
shared=../shared
suffix=""
for arg in "$@"; do
  case "$arg" in
    --blind) suffix="_blind" ;;
    *) shared=$arg ;;
  esac
done
cargo build --release --quiet
wenda=target/release/wenda
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

row() { # label corpus-dir tickets
  "$wenda" eval --assist "$3" --corpus "$2" --index "$tmp/idx-$(basename "$2")" --json 2>/dev/null |
    python3 -c '
import json, sys
r = json.load(sys.stdin)
print("| %s | %d | %d | %d/%d (%.1f%%) | %d/%d (%.1f%%) | %.3f | %.3f | %d / %d | %d/%d | %.1f / %.1f |" % (
    sys.argv[1], r["tickets"], r["labelled"],
    r["found"], r["labelled"], 100 * r["split_accuracy"],
    r["spurious"], r["found_questions"], 100 * r["spurious_rate"],
    r["recall_at_1"], r["recall_at_3"],
    r["answered_right"], r["answered_wrong"],
    r["uncovered_marked"], r["uncovered"],
    r["p50_ms"], r["max_ms"]))' "$1"
}

echo "| ticket set | tickets | questions | found separately | spurious | R@1 | R@3 | answered right / wrong | not covered, marked so | ms per ticket (p50 / max) |"
echo "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"
row "partner (corpus/, tests/data/tickets_partner$suffix.jsonl)" corpus "tests/data/tickets_partner$suffix.jsonl"
ecs=$shared/corpora/huaweicloud-ecs-guide
if [ -d "$ecs" ]; then
  row "ECS guide (tests/data/tickets_ecs$suffix.jsonl)" "$ecs" "tests/data/tickets_ecs$suffix.jsonl"
else
  echo "(no $ecs: ECS row skipped)" >&2
fi
