#!/usr/bin/env bash
# The three ways of retrieving (every match scored by the score tree over
# the postings, every match scored by tantivy's nested query, two steps), on
# the indexes that scripts/scale.sh leaves (and the mixed query file it
# writes):
#
#   scripts/two-step.sh [N…]        (default 10000 40000 100000 if present)
#
# For each index: how often the top 10, the first hit, the total and the
# topic counts of the last two are the first's, and in-process p50 / p99 of
# each, the three run in rotation query by query (examples/two_step.rs;
# `target/release/examples/two_step INDEX QUERIES DEPTH` tries the two steps
# with another retrieval depth than the shipped one).
set -euo pipefail
cd "$(dirname "$0")/.."
work=${WENDA_SCALE_DIR:-${TMPDIR:-/tmp}/wenda-scale}
[ $# -gt 0 ] || set -- 10000 40000 100000
cargo build --release --quiet --example two_step
for n in "$@"; do
  index=$work/index-corpus-$n
  [ -d "$index" ] || { echo "$index: none (run scripts/scale.sh SHARED $n first)"; continue; }
  echo "== $n articles"
  target/release/examples/two_step "$index" "$work/mixed_queries.jsonl"
done
