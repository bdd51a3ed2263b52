#!/usr/bin/env bash
# Make the perceptual-hash fixtures in Tests/AdgenCoreTests/Fixtures/phash, deterministically.
#
#   scripts/phash/make-fixtures.sh [ADGEN_BINARY]   # default: .build-phash/debug/adgen, else .build/debug/adgen
#
# 1. creates (or reuses) .build-venv with Pillow, numpy and imagehash (scripts/phash/venv.sh);
# 2. renders the text masks with the `vips` CLI (`vips text`, DejaVu fonts);
# 3. writes the synthetic fixtures with make_fixtures.py: photo-like textures (noise + blur) and their
#    near-copies (lower JPEG quality, resized, cropped, WebP), gradients, text, shapes, flat colours, RGBA,
#    grey, grey + alpha, palette PNG, a 36x34 and a 24x24 image, a 728x90 banner and a 120x600 skyscraper;
# 4. when the adgen binary is there: renders 3 variants of campaigns/kettle-crema-subscription.yaml and of
#    campaigns/lumen-daybreak-serum.yaml (local provider: the same pixels every run) into a temporary folder
#    and downscales nine of them to <= 400 px, plus three near-copies. Without a binary the committed creatives
#    are kept and only the synthetic fixtures are rewritten.
#
# The synthetic fixtures come out byte-identical on every run (seeded numpy, same Pillow); the creatives follow
# adgen's renderer and change, a little, when the procedural provider or the layout does.
#
# Then run `scripts/phash/compare.sh regenerate` to rewrite expected.json from imagehash.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
OUT="$ROOT/Tests/AdgenCoreTests/Fixtures/phash"
# shellcheck source=venv.sh
. "$HERE/venv.sh"

if [ $# -gt 1 ] || [ "${1:-}" = "-h" ] || [ "${1:-}" = "--help" ]; then
    awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "${BASH_SOURCE[0]}"
    exit $(($# > 1 ? 2 : 0))
fi
if [ $# -eq 1 ]; then
    case "$1" in /*) ADGEN="$1" ;; *) ADGEN="$(pwd)/$1" ;; esac
elif [ -x "$ROOT/.build-phash/debug/adgen" ]; then
    ADGEN="$ROOT/.build-phash/debug/adgen"
else
    ADGEN="$ROOT/.build/debug/adgen"
fi

command -v vips >/dev/null || { echo "make-fixtures.sh: the vips CLI is missing (apt-get install libvips-tools)" >&2; exit 1; }
ensure_venv

WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
mkdir -p "$WORK/text" "$OUT"

vips text "$WORK/text/text-a.png" "Spring sale: 30% off" --font "DejaVu Sans Bold 28" --width 360
vips text "$WORK/text/text-b.png" "Fresh roast,
every two weeks." --font "DejaVu Serif Bold 30" --align centre
vips text "$WORK/text/text-c.png" "GET THE APP" --font "DejaVu Sans Condensed Bold 40"
vips text "$WORK/text/banner.png" "Your best cup, delivered." --font "DejaVu Serif Bold 26"

if [ -x "$ADGEN" ]; then
    for campaign in kettle-crema-subscription lumen-daybreak-serum; do
        echo "== $ADGEN render campaigns/$campaign.yaml --limit 3" >&2
        "$ADGEN" render "$ROOT/campaigns/$campaign.yaml" --out "$WORK/renders/$campaign" --limit 3 >&2
    done
    "$PY" "$HERE/make_fixtures.py" "$OUT" "$WORK/text" "$WORK/renders"
else
    echo "make-fixtures.sh: no adgen binary at $ADGEN: keeping the committed creative-* fixtures" >&2
    "$PY" "$HERE/make_fixtures.py" "$OUT" "$WORK/text"
fi
du -sh "$OUT" >&2
ls "$OUT" | grep -vc '\.json$' | sed 's/^/images: /' >&2
