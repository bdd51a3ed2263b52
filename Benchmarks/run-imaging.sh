#!/usr/bin/env bash
# Imaging benchmarks of issue 3: adgen against Pillow, pyvips, vipsthumbnail and ImageMagick, in one run.
#
#   Benchmarks/run-imaging.sh
#
# 1. installs (or reuses) pillow, pyvips and numpy in the venv .build-venv at the repository root; checks that
#    vipsthumbnail and a real ImageMagick `convert` are there (ImageMagick rows are skipped, and say so, when not);
# 2. builds Benchmarks/ in release (imaging-bench);
# 3. makes 50 deterministic 2048x2048 PNG sources (gradients, blurred blobs, shapes, a saturated "product", a
#    skin-toned oval, noise) in Benchmarks/.build/imaging-work/sources, once (kept while the generator is unchanged);
# 4. the 8-size pack: every source to 1080x1080, 1080x1350, 1080x1920, 1200x628, 300x250, 728x90, 160x600 as JPEG
#    q85 and 320x50 as PNG, by crop-to-fill, each implementation in a process of its own writing into its own folder:
#      Pillow (ImageOps.fit, centre crop: Pillow has no attention crop), pyvips (thumbnail_image crop=attention),
#      pyvips with adgen's JPEG options (a reference: what optimised Huffman coding costs),
#      pyvips with the attention window found on a 256-px proxy and only that window resized (a prototype of a
#      faster Image.filled),
#      adgen (imaging-bench pack: Image.load, filled(strategy: .attention), encoded) on 1 thread and with a task
#      group of 2, each with VIPS_CONCURRENCY=1 and with libvips' default threadpool,
#      vipsthumbnail --smartcrop attention per output, ImageMagick convert per source (+clone -write) and per output;
#    then checks every folder (count, names, dimensions, format, JPEG quality from the quantisation tables), compares
#    adgen's outputs with pyvips' (the same attention crop should give the same pictures) and times adgen's stages;
# 5. the layout: headline + CTA + JPEG q85 on a 1080x1080 image, Pillow and pyvips (imaging_bench.py) against adgen's
#    real pipeline (imaging-bench layout campaigns/layout-bench.yaml: Pipeline.run on a CreativeDraft), with the
#    layout step's text cache (what a render does), with every text fitted afresh (what the baselines do), and with
#    the product composited (campaigns/layout-product-bench.yaml: the same with the Ridge 3 cutout);
# 6. prints one table per benchmark (outputs/s, peak RSS, ratio to Pillow, goal met?) and appends the raw JSON
#    lines, each with the run's id and the 1-minute load average when it started, to
#    Benchmarks/.build/imaging-results.jsonl.
#
# Environment: IMAGING_SOURCES (default 50), IMAGING_SLOW=0 to skip the per-file tools (vipsthumbnail, ImageMagick:
# about half the run), IMAGING_LAYOUT_ITERATIONS (default 100), BENCH_STRICT=1 to exit 1 when a goal is missed
# (default: report only). Outputs stay in Benchmarks/.build/imaging-work/out-*/ for a look.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/.." && pwd)"
VENV="$ROOT/.build-venv"
WORK="$HERE/.build/imaging-work"
RESULTS="$HERE/.build/imaging-results.jsonl"
SOURCES="${IMAGING_SOURCES:-50}"
SLOW="${IMAGING_SLOW:-1}"
LAYOUT_N="${IMAGING_LAYOUT_ITERATIONS:-100}"
TOOL="$HERE/imaging_bench.py"
RUN="$(date -u +%Y-%m-%dT%H:%M:%SZ)"

say() { printf '%s\n' "$*" >&2; }
load1() { cut -d' ' -f1 /proc/loadavg; }

# 1. Python packages and tools
[ -x "$VENV/bin/python" ] || python3 -m venv "$VENV"
PY="$VENV/bin/python"
if ! "$PY" -c 'import PIL, pyvips, numpy' 2>/dev/null; then
    say "== installing pillow, pyvips, numpy into $VENV"
    "$PY" -m pip install --quiet --disable-pip-version-check pillow pyvips numpy >&2
fi
command -v vipsthumbnail >/dev/null || { say "run-imaging.sh: vipsthumbnail not found (apt-get install libvips-tools)"; exit 1; }
MAGICK=1
if ! convert -version 2>/dev/null | grep -q ImageMagick; then
    MAGICK=0
    say "== no real ImageMagick convert on PATH (apt-get install imagemagick): its rows are skipped"
fi

# 2. the bench, in release
say "== building imaging-bench (release)"
# The main package may be edited while this builds ("was modified during the build"): try again a few times.
for attempt in 1 2 3 4 5; do
    if swift build -c release --package-path "$HERE" --product imaging-bench >&2; then break; fi
    [ "$attempt" = 5 ] && { say "run-imaging.sh: the build failed 5 times"; exit 1; }
    say "   build failed (attempt $attempt); trying again in 60 s"
    sleep 60
done
BENCH="$(swift build -c release --package-path "$HERE" --show-bin-path)/imaging-bench"

# 3. sources
say "== sources: $SOURCES x 2048x2048 PNG in $WORK/sources"
"$PY" "$TOOL" sources "$WORK/sources" --count "$SOURCES"
LAYOUT_SOURCE="$WORK/layout-source-1080.png"
vipsthumbnail "$WORK/sources/source-00.png" --size 1080x1080 --smartcrop attention -o "$LAYOUT_SOURCE"

# One measurement: NAME, then the command; its JSON line gets the run id and the load, and is appended.
record() {
    local name="$1"
    shift
    local load line
    load="$(load1)"
    say "-- $name (load $load)"
    line="$("$@")"
    say "   $line"
    printf '{"run":"%s","load1":%s,%s\n' "$RUN" "$load" "${line#\{}" >> "$RESULTS"
}
fresh() { rm -rf "$WORK/$1"; printf '%s' "$WORK/$1"; }

say "== machine: $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg) before the runs (run $RUN)"

# 4. the pack (every out-* folder is this run's)
rm -rf "$WORK"/out-*
record "Pillow pack" "$PY" "$TOOL" pillow-pack "$WORK/sources" "$(fresh out-pillow)" --limit "$SOURCES"
record "pyvips pack" "$PY" "$TOOL" pyvips-pack "$WORK/sources" "$(fresh out-pyvips)" --limit "$SOURCES"
record "pyvips pack, adgen's JPEG options" "$PY" "$TOOL" pyvips-pack "$WORK/sources" "$(fresh out-pyvips-adgen-jpeg)" \
    --adgen-jpeg --limit "$SOURCES"
record "pyvips pack, attention on a proxy (prototype)" "$PY" "$TOOL" pyvips-pack "$WORK/sources" \
    "$(fresh out-pyvips-proxy-attention)" --proxy-attention --limit "$SOURCES"
for tasks in 1 2; do
    for concurrency in 1 default; do
        out="$(fresh "out-adgen-t$tasks-c$concurrency")"
        if [ "$concurrency" = default ]; then
            record "adgen pack, $tasks task(s), VIPS_CONCURRENCY unset" \
                env -u VIPS_CONCURRENCY "$BENCH" pack "$WORK/sources" "$out" --tasks "$tasks" --limit "$SOURCES"
        else
            record "adgen pack, $tasks task(s), VIPS_CONCURRENCY=$concurrency" \
                env VIPS_CONCURRENCY="$concurrency" "$BENCH" pack "$WORK/sources" "$out" --tasks "$tasks" --limit "$SOURCES"
        fi
    done
done
if [ "$SLOW" = 1 ]; then
    record "vipsthumbnail per output" "$PY" "$TOOL" cli-pack vipsthumbnail "$WORK/sources" "$(fresh out-vipsthumbnail)" \
        --limit "$SOURCES"
    if [ "$MAGICK" = 1 ]; then
        record "ImageMagick per source" "$PY" "$TOOL" cli-pack magick-clone "$WORK/sources" "$(fresh out-magick-clone)" \
            --limit "$SOURCES"
        record "ImageMagick per output" "$PY" "$TOOL" cli-pack magick "$WORK/sources" "$(fresh out-magick)" --limit "$SOURCES"
    fi
fi

say "== checking the outputs"
CHECK_FAILED=0
for folder in "$WORK"/out-*/; do
    folder="${folder%/}"
    compare=()
    case "$(basename "$folder")" in out-adgen-* | out-pyvips-*) compare=(--compare "$WORK/out-pyvips") ;; esac
    if ! line="$("$PY" "$TOOL" verify "$folder" --sources "$SOURCES" "${compare[@]}")"; then
        CHECK_FAILED=1
    fi
    say "   $line"
    printf '{"run":"%s",%s\n' "$RUN" "${line#\{}" >> "$RESULTS"
done
record "adgen stages (where the pack's time goes)" env VIPS_CONCURRENCY=1 "$BENCH" stages "$WORK/sources" \
    --limit "$(( SOURCES < 5 ? SOURCES : 5 ))"

# 5. the layout
record "Pillow layout" "$PY" "$TOOL" pillow-layout "$LAYOUT_SOURCE" "$LAYOUT_N" --out "$WORK/layout-pillow.jpg"
record "pyvips layout" "$PY" "$TOOL" pyvips-layout "$LAYOUT_SOURCE" "$LAYOUT_N" --out "$WORK/layout-pyvips.jpg"
for tasks in 1 2; do
    record "adgen layout, $tasks task(s)" "$BENCH" layout "$HERE/campaigns/layout-bench.yaml" "$LAYOUT_SOURCE" \
        "$LAYOUT_N" --tasks "$tasks" --out "$WORK/layout-adgen.jpg"
done
record "adgen layout, 1 task, VIPS_CONCURRENCY=1" env VIPS_CONCURRENCY=1 "$BENCH" layout \
    "$HERE/campaigns/layout-bench.yaml" "$LAYOUT_SOURCE" "$LAYOUT_N"
record "adgen layout, 1 task, every text fitted afresh" "$BENCH" layout "$HERE/campaigns/layout-bench.yaml" \
    "$LAYOUT_SOURCE" "$LAYOUT_N" --no-text-cache
record "adgen layout with the product, 1 task, VIPS_CONCURRENCY=1" env VIPS_CONCURRENCY=1 "$BENCH" layout \
    "$HERE/campaigns/layout-product-bench.yaml" "$LAYOUT_SOURCE" "$LAYOUT_N" --out "$WORK/layout-adgen-product.jpg"
record "adgen layout stages (where the layout's time goes)" env VIPS_CONCURRENCY=1 "$BENCH" layout-stages \
    "$HERE/campaigns/layout-bench.yaml" "$LAYOUT_SOURCE" 20
record "adgen layout stages with the product" env VIPS_CONCURRENCY=1 "$BENCH" layout-stages \
    "$HERE/campaigns/layout-product-bench.yaml" "$LAYOUT_SOURCE" 20
record "adgen layout stages, every text fitted afresh" env VIPS_CONCURRENCY=1 "$BENCH" layout-stages \
    "$HERE/campaigns/layout-bench.yaml" "$LAYOUT_SOURCE" 20 --no-text-cache

# 6. the tables
say "== load average after the runs: $(cut -d' ' -f1-3 /proc/loadavg)"
strict=()
[ "${BENCH_STRICT:-0}" = 1 ] && strict=(--strict)
"$PY" "$TOOL" table "$RESULTS" "$RUN" "${strict[@]}"
echo "machine: $(nproc) cores; load average after the runs: $(cut -d' ' -f1-3 /proc/loadavg); raw lines: $RESULTS (run $RUN)"
if [ "$CHECK_FAILED" = 1 ]; then
    say "run-imaging.sh: some outputs are wrong (see the checks above)"
    exit 1
fi
