#!/usr/bin/env bash
# Runs adgen's main job on example campaigns, offline: check them, plan one, print its first variants and render
# the first four at every size with the local renderer (an offline stand-in for an image model) into out/example;
# then run campaigns/kettle-crema-starter.yaml as a durable batch and deliver it to out/example/delivery/
# (creatives by size, manifest.json/csv, zip packs, contact sheet, gallery).
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
echo
echo "a batch, end to end: campaigns/kettle-crema-starter.yaml"
"$adgen" run campaigns/kettle-crema-starter.yaml --store out/example/.adgen/adgen.sqlite
"$adgen" status --store out/example/.adgen/adgen.sqlite
find out/example/delivery -maxdepth 3 | sort | head -20
