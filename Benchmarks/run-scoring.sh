#!/usr/bin/env bash
# Scoring benchmark of issue 5 ("Speed"): adgen's scorer on 1080x1080 creatives, and its pHash against imagehash.
#
#   Benchmarks/run-scoring.sh
#
# 1. creates (or reuses) the venv .build-venv at the repository root with imagehash 4.3.2 and its pins (the same
#    venv and pins as scripts/phash/compare.sh: scripts/phash/venv.sh);
# 2. builds Benchmarks/ in release (scoring-bench);
# 3. makes the corpus once (kept while the campaign file and the count are unchanged): the first SCORING_CREATIVES
#    variants of campaigns/scoring-bench.yaml (the Ridge 3 spring campaign at meta-feed, 1080x1080) rendered in
#    process as `adgen render` renders them (local provider, attention crop, layout, JPEG q85), each with its
#    layout boxes, into Benchmarks/.build/scoring-work/corpus;
# 4. SCORING_ROUNDS rounds (default 2), each one after the other on one thread with VIPS_CONCURRENCY=1:
#      scoring-bench phash (Image.decode + PerceptualHash(of:), files in memory) and scoring_bench.py phash
#      (imagehash.phash(Image.open(BytesIO(bytes)))) side by side, then scoring-bench score (Scorer.input(encoded:)
#      + Scorer.score: every check, decode included, with a breakdown per stage);
# 5. compares adgen's hashes with imagehash's on the corpus (equal, within 2 bits);
# 6. prints the tables and whether the goals are met (all checks < 15 ms per creative, median over the corpus;
#    pHash >= 5x imagehash's images/s) and appends the raw JSON lines, each with the run's id and the 1-minute
#    load average when it started, to Benchmarks/.build/scoring-results.jsonl.
#
# Environment: SCORING_CREATIVES (default 48), SCORING_PASSES (passes over the corpus per measurement, default 5),
# SCORING_ROUNDS (default 2), BENCH_STRICT=1 to exit 1 when a goal is missed (default: report only).
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/.." && pwd)"
WORK="$HERE/.build/scoring-work"
CORPUS="$WORK/corpus"
CAMPAIGN="$HERE/campaigns/scoring-bench.yaml"
RESULTS="$HERE/.build/scoring-results.jsonl"
CREATIVES="${SCORING_CREATIVES:-48}"
PASSES="${SCORING_PASSES:-5}"
ROUNDS="${SCORING_ROUNDS:-2}"
TOOL="$HERE/scoring_bench.py"
RUN="$(date -u +%Y-%m-%dT%H:%M:%SZ)"

CORES="$(nproc)"   # before OMP_NUM_THREADS=1 below, which nproc obeys

say() { printf '%s\n' "$*" >&2; }
load1() { cut -d' ' -f1 /proc/loadavg; }

# 1. imagehash, with the pins of scripts/phash/compare.sh
# shellcheck source=../scripts/phash/venv.sh
. "$ROOT/scripts/phash/venv.sh"
ensure_venv

# 2. the bench, in release
say "== building scoring-bench (release)"
# The main package may be edited while this builds ("was modified during the build"): try again a few times.
for attempt in 1 2 3 4 5; do
    if swift build -c release --package-path "$HERE" --product scoring-bench >&2; then break; fi
    [ "$attempt" = 5 ] && { say "run-scoring.sh: the build failed 5 times"; exit 1; }
    say "   build failed (attempt $attempt); trying again in 60 s"
    sleep 60
done
BENCH="$(swift build -c release --package-path "$HERE" --show-bin-path)/scoring-bench"

# 3. the corpus
STAMP="$CREATIVES $(sha256sum "$CAMPAIGN" | cut -d' ' -f1)"
if [ ! -f "$CORPUS/corpus.json" ] || [ "$(cat "$CORPUS/stamp" 2>/dev/null)" != "$STAMP" ]; then
    say "== corpus: rendering $CREATIVES creatives of $(basename "$CAMPAIGN") into $CORPUS"
    rm -rf "$CORPUS"
    "$BENCH" corpus "$CAMPAIGN" "$CORPUS" "$CREATIVES" >&2
    printf '%s\n' "$STAMP" > "$CORPUS/stamp"
else
    say "== corpus: $CREATIVES creatives in $CORPUS (current)"
fi

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

say "== machine: $CORES cores, load average $(cut -d' ' -f1-3 /proc/loadavg) before the runs (run $RUN)"
export VIPS_CONCURRENCY=1 OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1
for round in $(seq 1 "$ROUNDS"); do
    say "== round $round of $ROUNDS"
    record "adgen pHash" "$BENCH" phash "$CORPUS" --passes "$PASSES" --hashes "$WORK/hashes-adgen.json"
    record "imagehash pHash" "$PY" "$TOOL" phash "$CORPUS" --passes "$PASSES" --hashes "$WORK/hashes-imagehash.json"
    record "adgen scoring" "$BENCH" score "$CORPUS" --passes "$PASSES"
done

# 5. the agreement
line="$("$PY" "$TOOL" agree "$WORK/hashes-adgen.json" "$WORK/hashes-imagehash.json")"
say "   $line"
printf '{"run":"%s",%s\n' "$RUN" "${line#\{}" >> "$RESULTS"

# 6. the tables
say "== load average after the runs: $(cut -d' ' -f1-3 /proc/loadavg)"
strict=()
[ "${BENCH_STRICT:-0}" = 1 ] && strict=(--strict)
status=0
"$PY" "$TOOL" table "$RESULTS" "$RUN" "${strict[@]}" || status=$?
echo "machine: $CORES cores; load average after the runs: $(cut -d' ' -f1-3 /proc/loadavg); raw lines: $RESULTS (run $RUN)"
exit "$status"
