#!/usr/bin/env bash
# Runs adgen's main job on an example campaign, offline: check it, plan it, and print its first variants.
# Needs only Swift (present on this machine kind); the image stages arrive with the imaging issue.
set -euo pipefail
cd "$(dirname "$0")/.."
campaign="${1:-campaigns/ridge-3-spring.yaml}"

swift build -c release --product adgen
adgen=.build/release/adgen

"$adgen" validate campaigns/*.yaml
echo
"$adgen" plan "$campaign"
echo
echo "first 5 variants of $campaign (jsonl):"
"$adgen" expand "$campaign" --limit 5
