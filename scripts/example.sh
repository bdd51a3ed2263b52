#!/usr/bin/env bash
# Runs adgen's main job on an example campaign, offline: check it, plan it, print its first variants and render
# the first four at every size with the local renderer (an offline stand-in for an image model) into out/example.
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
echo "first 3 variants of $campaign (jsonl):"
"$adgen" expand "$campaign" --limit 3
echo
rm -rf out/example
"$adgen" render "$campaign" --out out/example --limit 4
find out/example -type f | sort | head -12
