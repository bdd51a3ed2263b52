#!/usr/bin/env bash
# Compare adgen's template expansion with dynamicprompts 0.31.0 (the reference).
#
#   scripts/dynamicprompts/compare.sh [ADGEN_BINARY]   # default: .build/debug/adgen
#       For every template of Tests/AdgenCoreTests/Fixtures/dynamicprompts/corpus.json
#       run dynamicprompts live and
#         ADGEN_BINARY expand --template T --wildcards <fixture wildcards> --format text
#       compare the two as multisets, print "ok"/"DIFF" per template and a final
#       "N passed, M failed" line; exit 1 if anything failed.
#   scripts/dynamicprompts/compare.sh regenerate
#       Rewrite corpus.json's "expected" lists from its templates with dynamicprompts.
#   scripts/dynamicprompts/compare.sh check
#       Verify corpus.json's "expected" lists against live dynamicprompts (exact order).
#   scripts/dynamicprompts/compare.sh expand TEMPLATE
#       Print dynamicprompts' prompts for TEMPLATE (fixture wildcards), one per line.
#
# Any mode first creates .build-venv (python3 -m venv) with dynamicprompts==0.31.0
# if it is missing.  Environment: ADGEN_COMPARE_TIMEOUT (seconds per adgen run, 60).
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
VENV="$ROOT/.build-venv"
FIXTURES="$ROOT/Tests/AdgenCoreTests/Fixtures/dynamicprompts"
WILDCARDS="$FIXTURES/wildcards"
CORPUS="$FIXTURES/corpus.json"
DP_VERSION="0.31.0"
# dynamicprompts' parser is built on pyparsing; pin it so the reference output
# can't drift (the corpus was checked identical with pyparsing 3.0.9, 3.1.4, 3.2.3, 3.3.3).
PYPARSING_VERSION="3.3.3"

ensure_venv() {
    if [ -x "$VENV/bin/python" ] && "$VENV/bin/python" - "$DP_VERSION" <<'EOF' 2>/dev/null
import sys
from importlib.metadata import version
sys.exit(0 if version("dynamicprompts") == sys.argv[1] else 1)
EOF
    then
        return 0
    fi
    echo "compare.sh: setting up $VENV with dynamicprompts==$DP_VERSION" >&2
    if [ ! -x "$VENV/bin/python" ]; then
        python3 -m venv "$VENV"
    fi
    "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check \
        "dynamicprompts==$DP_VERSION" "pyparsing==$PYPARSING_VERSION" >&2
}

dp_expand() {
    "$VENV/bin/python" "$HERE/dp_expand.py" --wildcards "$WILDCARDS" "$@"
}

usage() {
    awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "${BASH_SOURCE[0]}"
}

case "${1:-}" in
    -h|--help)
        usage
        exit 0
        ;;
    regenerate)
        ensure_venv
        dp_expand --corpus "$CORPUS" --write
        ;;
    check)
        ensure_venv
        dp_expand --corpus "$CORPUS" --check
        ;;
    expand)
        if [ $# -ne 2 ]; then
            usage >&2
            exit 2
        fi
        ensure_venv
        dp_expand --template "$2"
        ;;
    *)
        if [ $# -gt 1 ]; then
            usage >&2
            exit 2
        fi
        if [ $# -eq 1 ]; then
            # A path given by the caller is relative to the caller's directory.
            case "$1" in
                /*) ADGEN="$1" ;;
                */*) ADGEN="$(pwd)/$1" ;;
                *) ADGEN="$(command -v "$1" || echo "$(pwd)/$1")" ;;
            esac
        else
            ADGEN="$ROOT/.build/debug/adgen"
        fi
        ensure_venv
        if [ ! -x "$ADGEN" ]; then
            echo "compare.sh: adgen binary not found or not executable: $ADGEN" >&2
            echo "compare.sh: build it first (swift build), or pass its path" >&2
            exit 2
        fi
        dp_expand --corpus "$CORPUS" --compare "$ADGEN" --timeout "${ADGEN_COMPARE_TIMEOUT:-60}"
        ;;
esac
