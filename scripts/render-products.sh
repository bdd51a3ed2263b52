#!/usr/bin/env bash
# Renders the example campaigns' product cutouts, campaigns/assets/products/*.svg, to the PNG beside each one
# (same name, .png) with librsvg's rsvg-convert, keeping the alpha channel: the products are drawn on a
# transparent background and adgen composites them into the creatives (and adds the contact shadow itself).
# The PNGs are committed, so neither the build nor CI needs librsvg; run this after editing an SVG to
# regenerate them. Installs librsvg2-bin (apt-get) when rsvg-convert is missing. Safe to run again: it
# rewrites every PNG from its SVG, at the SVG's own pixel size.
#
#   bash scripts/render-products.sh
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v rsvg-convert >/dev/null; then
    if [ "$(id -u)" -ne 0 ]; then
        echo "error: rsvg-convert is missing; install librsvg2-bin (apt-get install librsvg2-bin) or run as root" >&2
        exit 69
    fi
    echo "installing librsvg2-bin (apt-get)"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends librsvg2-bin >/dev/null
fi

shopt -s nullglob
svgs=(campaigns/assets/products/*.svg)
if [ ${#svgs[@]} -eq 0 ]; then
    echo "error: no SVGs in campaigns/assets/products" >&2
    exit 66
fi
for svg in "${svgs[@]}"; do
    png="${svg%.svg}.png"
    # No --background-color: the background stays transparent. Write beside, then move, so an interrupted
    # run never leaves a half-written PNG.
    rsvg-convert --format png --output "$png.tmp" "$svg"
    mv -f "$png.tmp" "$png"
    echo "$png"
done
