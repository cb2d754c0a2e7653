#!/usr/bin/env bash
# Live reindex under load, as the operations issue asks: 16 client threads
# of mixed search and answer requests for SECONDS (default 20) against a
# server on loopback rebuilding under --watch, while the corpus changes 10
# times (the 6th change breaks every article, so that build must fail).
# It is the integration test `reload::sixteen_clients_…` on a release
# build, paced to the full length; it prints requests served, failures
# (must be 0) and how soon new content was served after each change and
# after each build was reported done.
# Usage: scripts/reload.sh [SECONDS]
set -euo pipefail
cd "$(dirname "$0")/.."
SECS=${1:-20}
WENDA_RELOAD_TEST_SECS=$SECS WENDA_RELOAD_TEST_BUILDS=10 \
    cargo test --release -q --test integration \
    reload::sixteen_clients_see_no_failure_while_the_index_is_rebuilt_under_watch \
    -- --exact --nocapture 2>&1 | grep -E '^reload:|test result|panicked|FAILED'
