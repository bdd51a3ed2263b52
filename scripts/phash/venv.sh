# Sourced by make-fixtures.sh and compare.sh: creates (or reuses) the venv .build-venv at the repository root
# with the reference imagehash and what it needs. Expects ROOT to be set.
VENV="$ROOT/.build-venv"
PY="$VENV/bin/python"
IMAGEHASH_VERSION="4.3.2"
# imagehash 4.3.2 calls scipy.fftpack.dct and PIL's resize; expected.json was made with these
# (pillow's resampling and scipy's DCT have been stable for years, but pin what the reference ran with).
REFERENCE_PACKAGES=("imagehash==$IMAGEHASH_VERSION" "scipy==1.17.1" "PyWavelets==1.9.0" "numpy" "pillow")

ensure_venv() {
    if [ -x "$PY" ] && "$PY" - "$IMAGEHASH_VERSION" <<'EOF' 2>/dev/null; then
import sys
from importlib.metadata import version
import numpy, PIL, scipy  # noqa: F401
sys.exit(0 if version("imagehash") == sys.argv[1] else 1)
EOF
        return 0
    fi
    echo "phash: setting up $VENV with ${REFERENCE_PACKAGES[*]}" >&2
    [ -x "$PY" ] || python3 -m venv "$VENV"
    "$PY" -m pip install --quiet --disable-pip-version-check "${REFERENCE_PACKAGES[@]}" >&2
}
