#!/usr/bin/env bash
# Installs the C libraries and fonts adgen builds against, from Debian's packages, when they are missing:
# libvips (images), SQLite (the job store) and the DejaVu fonts (the default for text in creatives).
set -euo pipefail

missing=()
pkg-config --exists vips 2>/dev/null || missing+=(libvips-dev)
pkg-config --exists sqlite3 2>/dev/null || missing+=(libsqlite3-dev)
[ -e /usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf ] || missing+=(fonts-dejavu-core)
command -v pkg-config >/dev/null || missing+=(pkg-config)

if [ ${#missing[@]} -gt 0 ]; then
    if [ "$(id -u)" -ne 0 ]; then
        echo "error: adgen needs ${missing[*]}; install them (apt-get install ${missing[*]}) or run as root" >&2
        exit 69
    fi
    echo "installing ${missing[*]} (apt-get)"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
