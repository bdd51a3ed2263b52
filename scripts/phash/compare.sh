#!/usr/bin/env bash
# Compare adgen's perceptual hash with Python imagehash's phash (the reference) on the committed fixtures.
#
#   scripts/phash/compare.sh regenerate
#       Write Tests/AdgenCoreTests/Fixtures/phash/expected.json ({"file": "hex"}, str(imagehash.phash(img)))
#       from every PNG/JPEG/WebP in that folder. Run after make-fixtures.sh.
#   scripts/phash/compare.sh check [ADGEN_BINARY]   # default: .build-phash/debug/adgen, else .build/debug/adgen
#       Hash every fixture with `ADGEN_BINARY score FILE... --size 300x250 --json` (the size only matters for
#       the other scores), then print per file imagehash's hash, adgen's and their distance in bits, the
#       distribution of distances, the share within 2 bits, and the distances inside the near-copy groups of
#       groups.json and between them (both implementations). Warns when live imagehash no longer gives
#       expected.json's hashes. Exits 1 when fewer than 95% of the fixtures are within 2 bits.
#       Note: `adgen score` hashes the scorer's working copy (decoded to at most 512 px a side), the Swift test
#       hashes the full decode (PerceptualHash(of: Image.load(path:))); the two differ only for the fixtures
#       over 512 px (photo-c.jpg, banner-728x90.jpg), and only on a bit or two.
#   scripts/phash/compare.sh hash FILE...
#       Print imagehash's phash of each file.
#   scripts/phash/compare.sh variants [FILE...]     # default: the fixtures
#       Measure Python replicas of adgen's hash and of alternatives against imagehash (scripts/phash/variants.py,
#       which explains where they differ and which change makes adgen agree; needs pyvips, installed on demand).
#
# Every mode first creates (or reuses) .build-venv with imagehash 4.3.2, scipy, PyWavelets, numpy and pillow
# (scripts/phash/venv.sh). The Swift side of the same check is Tests/AdgenCoreTests/Scoring/PerceptualHashTests.swift
# (swift test --filter PerceptualHashTests), which reads expected.json and groups.json.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
FIXTURES="$ROOT/Tests/AdgenCoreTests/Fixtures/phash"
# shellcheck source=venv.sh
. "$HERE/venv.sh"

usage() {
    awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "${BASH_SOURCE[0]}"
}

case "${1:-}" in
    regenerate)
        [ $# -eq 1 ] || { usage >&2; exit 2; }
        ensure_venv
        "$PY" "$HERE/phash_compare.py" regenerate "$FIXTURES"
        ;;
    check)
        [ $# -le 2 ] || { usage >&2; exit 2; }
        if [ $# -eq 2 ]; then
            case "$2" in /*) ADGEN="$2" ;; */*) ADGEN="$(pwd)/$2" ;; *) ADGEN="$(command -v "$2" || echo "$(pwd)/$2")" ;; esac
        elif [ -x "$ROOT/.build-phash/debug/adgen" ]; then
            ADGEN="$ROOT/.build-phash/debug/adgen"
        else
            ADGEN="$ROOT/.build/debug/adgen"
        fi
        if [ ! -x "$ADGEN" ]; then
            echo "compare.sh: adgen binary not found or not executable: $ADGEN (swift build, or pass its path)" >&2
            exit 2
        fi
        ensure_venv
        OUTPUT="$(mktemp)"
        trap 'rm -f "$OUTPUT"' EXIT
        FILES=()
        while IFS= read -r file; do FILES+=("$file"); done < <(
            find "$FIXTURES" -maxdepth 1 -type f \( -name '*.png' -o -name '*.jpg' -o -name '*.jpeg' -o -name '*.webp' \) | sort)
        # Exit 65 means some file could not be scored; the comparison then names it.
        "$ADGEN" score "${FILES[@]}" --size 300x250 --json >"$OUTPUT" || [ $? -eq 65 ]
        "$PY" "$HERE/phash_compare.py" check "$FIXTURES" "$OUTPUT"
        ;;
    hash)
        [ $# -ge 2 ] || { usage >&2; exit 2; }
        shift
        ensure_venv
        "$PY" "$HERE/phash_compare.py" hash "$@"
        ;;
    variants)
        shift
        ensure_venv
        "$PY" -c 'import pyvips' 2>/dev/null || "$PY" -m pip install --quiet --disable-pip-version-check pyvips >&2
        if [ $# -eq 0 ]; then
            set -- $(find "$FIXTURES" -maxdepth 1 -type f \( -name '*.png' -o -name '*.jpg' -o -name '*.jpeg' -o -name '*.webp' \) | sort)
        fi
        "$PY" "$HERE/variants.py" "$@"
        ;;
    -h|--help)
        usage
        ;;
    *)
        usage >&2
        exit 2
        ;;
esac
