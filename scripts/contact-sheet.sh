#!/usr/bin/env bash
# Renders a campaign's first variants with `adgen render` and lays every creative out on one sheet, a row per
# variant, each creative scaled to the same height: the picture in README.md.
#
#   bash scripts/contact-sheet.sh campaigns/kettle-crema-subscription.yaml docs/contact-sheet.jpg [VARIANTS]
set -euo pipefail
campaign=$1
sheet=$2
variants=${3:-2}
root=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# ADGEN=path/to/adgen uses that binary instead of building the release one.
adgen=${ADGEN:-}
if [[ -z "$adgen" ]]; then
  swift build -c release --product adgen --package-path "$root" >/dev/null
  adgen="$root/.build/release/adgen"
fi
command -v vips >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq libvips-tools; }
"$adgen" render "$campaign" --out "$work/out" --limit "$variants"
rows=()
for variant in $(python3 -c '
import json, sys
seen = []
for line in open(sys.argv[1]):
    d = json.loads(line)
    if d.get("file") and d["variant_id"] not in seen: seen.append(d["variant_id"])
print(" ".join(seen))' "$work/out/scores.jsonl"); do
  cells=()
  while read -r file; do
    cell="$work/cell-$(basename "${file%.*}").v"
    vips thumbnail "$work/out/$file" "$cell" 2000 --height 260 --size both >/dev/null 2>&1 ||
      vips thumbnail "$work/out/$file" "$cell" 2000 --height 260
    cells+=("$cell")
  done < <(python3 -c '
import json, sys
for line in open(sys.argv[1]):
    d = json.loads(line)
    if d.get("file") and d["variant_id"] == sys.argv[2]: print(d["file"])' "$work/out/scores.jsonl" "$variant")
  # Side by side, each only as wide as it is (arrayjoin would give every cell the widest one's width).
  row="$work/row-$variant.png"
  vips copy "${cells[0]}" "$row"
  for cell in "${cells[@]:1}"; do
    vips join "$row" "$cell" "$work/joined.png" horizontal --shim 16 --background "255 255 255" --align centre
    mv "$work/joined.png" "$row"
  done
  rows+=("$row")
done
vips arrayjoin "${rows[*]}" "$work/sheet.png" --across 1 --shim 16 --background "255 255 255" --halign low
vips embed "$work/sheet.png" "$work/framed.v" 16 16 "$(( $(vipsheader -f width "$work/sheet.png") + 32 ))" \
  "$(( $(vipsheader -f height "$work/sheet.png") + 32 ))" --extend background --background "255 255 255"
vips copy "$work/framed.v" "$sheet[Q=82,strip]"
echo "wrote $sheet"
