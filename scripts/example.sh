#!/usr/bin/env bash
# Runs adgen's main job on an example campaign, offline: check it, plan it, and print its first variants.
# Installs libvips and fonts when missing (scripts/install-deps.sh); needs Swift.
set -euo pipefail
cd "$(dirname "$0")/.."
campaign="${1:-campaigns/ridge-3-spring.yaml}"

bash scripts/install-deps.sh
swift build -c release --product adgen
adgen=.build/release/adgen

"$adgen" validate campaigns/*.yaml
echo
"$adgen" plan "$campaign"
echo
echo "first 5 variants of $campaign (jsonl):"
"$adgen" expand "$campaign" --limit 5
