#!/usr/bin/env bash
# Rewrites the module graph in ARCHITECTURE.md from the imports in src/
# (the check itself runs in `cargo test`: tests/integration/architecture.rs).
#
#   scripts/module-graph.sh
set -euo pipefail
cd "$(dirname "$0")/.."
WENDA_UPDATE_ARCHITECTURE=1 cargo test --quiet --test integration architecture_md_shows_the_module_graph
sed -n '/<!-- module graph: start -->/,/<!-- module graph: end -->/p' ARCHITECTURE.md
