#!/usr/bin/env bash
# End-to-end benchmark of issue 12 ("Speed and memory"): `adgen run` on the example campaigns, against the codec
# floor of the same batch, in one run.
#
#   Benchmarks/run-endtoend.sh
#
# 1. builds the release `adgen` at the repository root (`swift build -c release --product adgen`, in the scratch
#    folder .build-release, apart from the debug .build) and `codec-floor` in Benchmarks/ (release);
# 2. for each campaign (campaigns/*.yaml except big.yaml, see ENDTOEND_BIG), in a fresh folder
#    Benchmarks/.build/endtoend-work/<campaign>/:
#      adgen run FILE --store TMP/s.sqlite --data TMP/data --out TMP/out --progress none
#    under `/usr/bin/time -v` (wall time, peak RSS) and, when perf works here, `perf record -F 499` (every thread,
#    kernel included; sampling at 499 Hz costs ~1 %), with adgen's RSS sampled every 0.5 s into TMP/rss.txt (in which
#    phase the peak falls): what the run made is read from its store (creatives succeeded, generations), where its
#    CPU time went from the profile, grouped by library;
# 3. the codec floor of the same batch: the store's list of creatives (each with its generation's file, size,
#    format, file) goes to `codec-floor`, which decodes each generation adgen wrote once and cuts and encodes every
#    creative of it through AdgenImaging with the campaign's crop strategy, format and quality, on all cores
#    (see Benchmarks/Sources/codec-floor/main.swift), also under `/usr/bin/time -v`;
# 4. prints the table (campaign, creatives, generations, adgen s, creatives/s, peak RSS, floor s, ratio), the
#    profile of each campaign and the goals (adgen ≤ 1.25× the floor; peak RSS < 400 MB); appends one JSON line a
#    campaign, with the run's id, the 1-minute load average and the number of other swift-frontend/swift-build
#    processes at the start and at the end, to Benchmarks/.build/endtoend-results.jsonl.
#
# Environment: ENDTOEND_CAMPAIGNS (campaign files, space-separated, relative to the repository or absolute, in the
# order to run; FILE@S stops that one after S seconds; default every campaigns/*.yaml but big.yaml),
# ENDTOEND_TIMEOUT=S stops each `adgen run` after S seconds (`timeout`, SIGTERM; default 0: no limit) and measures
# what it made until then (the row says "stopped"; the floor is that of the creatives made), ENDTOEND_BIG=1 adds
# campaigns/big.yaml under a limit of ENDTOEND_BIG_TIMEOUT seconds (default 300: it plans 11.5 million variants ×
# 4 sizes, months of work, so it is always stopped), ENDTOEND_PROFILE=0 turns perf off,
# FLOOR_PASSES (default 1; the fastest pass counts), BENCH_STRICT=1 exits 1 when a goal is missed.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/.." && pwd)"
WORK="$HERE/.build/endtoend-work"
RESULTS="$HERE/.build/endtoend-results.jsonl"
SCRATCH="$ROOT/.build-release"
RUN="$(date -u +%Y-%m-%dT%H:%M:%SZ)"
PASSES="${FLOOR_PASSES:-1}"
BIG_TIMEOUT="${ENDTOEND_BIG_TIMEOUT:-300}"
TIMEOUT="${ENDTOEND_TIMEOUT:-0}"

say() { printf '%s\n' "$*" >&2; }
load1() { cut -d' ' -f1 /proc/loadavg; }
# Other engineers' compilers running now (they distort the figures): swift-frontend and swift-build processes.
builders() { pgrep -r R,S,D -f 'swift-frontend|swift-build' | grep -vc "^$$\$" || true; }
# The RSS of the adgen process(es) using STORE, every half second, as "seconds MB" lines in FILE (to find the
# phase of the peak), until killed.
sample_rss() {
    local store="$1" out="$2" start
    start="$(date +%s.%N)"
    while sleep 0.5; do
        local total=0
        for pid in $(pgrep -f -- "--store $store"); do
            [ "$(cat "/proc/$pid/comm" 2>/dev/null)" = adgen ] || continue
            total=$(( total + $(awk '/^VmRSS:/ { print $2 }' "/proc/$pid/status" 2>/dev/null || echo 0) ))
        done
        printf '%.1f %.1f\n' "$(echo "$(date +%s.%N) - $start" | bc)" "$(echo "$total * 1024 / 1000000" | bc -l)" >> "$out"
    done
}
# When the RSS sampled in FILE was highest, as "MB at S s".
rss_peak_at() { sort -k2 -g "$1" 2>/dev/null | tail -1 | awk '{ printf "%.0f MB at %.0f s", $2, $1 }'; }

command -v sqlite3 >/dev/null || { say "run-endtoend.sh: sqlite3 not found (apt-get install sqlite3)"; exit 1; }
[ -x /usr/bin/time ] || { say "run-endtoend.sh: /usr/bin/time not found (apt-get install time)"; exit 1; }
PROFILE="${ENDTOEND_PROFILE:-1}"
if [ "$PROFILE" = 1 ] && ! perf stat -e instructions true >/dev/null 2>&1; then
    say "== perf does not work here (perf stat -e instructions true failed): no profile"
    PROFILE=0
fi

# 1. the builds, in release. The main package may be edited while this builds: try again a few times.
build() {
    local what="$1"
    shift
    say "== building $what (release)"
    for attempt in 1 2 3 4 5; do
        if swift build -c release "$@" >&2; then return 0; fi
        [ "$attempt" = 5 ] && { say "run-endtoend.sh: the build of $what failed 5 times"; exit 1; }
        say "   build failed (attempt $attempt); trying again in 60 s"
        sleep 60
    done
}
build adgen --package-path "$ROOT" --scratch-path "$SCRATCH" --product adgen
ADGEN="$(swift build -c release --package-path "$ROOT" --scratch-path "$SCRATCH" --show-bin-path)/adgen"
build codec-floor --package-path "$HERE" --product codec-floor
FLOOR="$(swift build -c release --package-path "$HERE" --show-bin-path)/codec-floor"

CAMPAIGNS=()
if [ -n "${ENDTOEND_CAMPAIGNS:-}" ]; then
    read -r -a CAMPAIGNS <<< "$ENDTOEND_CAMPAIGNS"
else
    for file in "$ROOT"/campaigns/*.yaml; do
        [ "$(basename "$file")" = big.yaml ] || CAMPAIGNS+=("$file")
    done
fi
[ "${ENDTOEND_BIG:-0}" = 1 ] && CAMPAIGNS+=("$ROOT/campaigns/big.yaml")

# The campaigns run from a copy of campaigns/ and templates/ under WORK: besides --out, `adgen run` also exports
# to each campaign's own `export: folder:` (../out, relative to the campaign file), which then lands in
# WORK/tree/out instead of the repository's out/.
TREE="$WORK/tree"
rm -rf "$TREE"
mkdir -p "$TREE"
cp -a "$ROOT/campaigns" "$ROOT/templates" "$TREE/"

# `/usr/bin/time -v` fields: the wall clock in seconds, the peak RSS in MB (10^6 bytes), the CPU seconds.
wall_seconds() {
    sed -n 's/.*Elapsed (wall clock) time (h:mm:ss or m:ss): //p' "$1" |
        awk -F: '{ s = 0; for (i = 1; i <= NF; i++) s = s * 60 + $i; printf "%.2f", s }'
}
peak_mb() { awk '/Maximum resident set size/ { printf "%.1f", $NF * 1024 / 1e6 }' "$1"; }
cpu_seconds() { awk '/User time|System time/ { s += $NF } END { printf "%.2f", s }' "$1"; }
exit_status() { awk '/Exit status/ { print $NF }' "$1"; }

# The profile of perf.data by library: "group":share of the samples (CPU time of every thread), in %.
profile_groups() {
    perf report -i "$1" --sort dso --stdio -q 2>/dev/null | awk '
        $1 ~ /%$/ {
            share = $1; sub(/%/, "", share); dso = $2
            if (dso ~ /^libwebp|^libsharpyuv/) g = "libwebp"
            else if (dso ~ /^libjpeg/) g = "libjpeg"
            else if (dso ~ /^libpng|^libz\.|^libdeflate/) g = "libpng+zlib"
            else if (dso ~ /^libvips|^liborc|^orcexec/) g = "libvips"
            else if (dso ~ /^libglib|^libgobject|^libgio|^libgmodule/) g = "glib"
            else if (dso ~ /^libpango|^libharfbuzz|^libfreetype|^libfontconfig|^libfribidi|^libexpat|^libgraphite/) g = "pango-text"
            else if (dso ~ /^librsvg|^libcairo|^libpixman|^libxml2/) g = "rsvg-cairo"
            else if (dso ~ /^libsqlite/) g = "sqlite"
            else if (dso == "adgen" || dso ~ /^libswift|^libFoundation|^lib_Foundation|^libdispatch|^libBlocksRuntime/) g = "adgen-swift"
            else if (dso ~ /kernel|^libc\.|^libm\.|^ld-linux|^libstdc|^libgcc|^\[vdso\]/) g = "libc+kernel"
            else g = "other"
            total[g] += share
        }
        END {
            sep = ""
            for (g in total) { printf "%s\"%s\":%.1f", sep, g, total[g]; sep = "," }
        }'
}

measure() {
    local file="$1" limit="$2" name work load_start builders_start status
    name="$(basename "$file" .yaml)"
    work="$WORK/$name"
    rm -rf "$work"
    mkdir -p "$work"
    load_start="$(load1)"
    builders_start="$(builders)"
    say "-- adgen run $name (load $load_start, $builders_start other compiler processes$([ "$limit" != 0 ] && echo ", stopped after $limit s"))"
    local command=("$ADGEN" run "$file" --store "$work/s.sqlite" --data "$work/data" --out "$work/out" --progress none)
    [ "$name" = big ] && [ "$limit" = 0 ] && limit="$BIG_TIMEOUT"
    local timed=(/usr/bin/time -v -o "$work/time.txt" "${command[@]}")
    [ "$limit" != 0 ] && timed=(/usr/bin/time -v -o "$work/time.txt" timeout "$limit" "${command[@]}")
    sample_rss "$work/s.sqlite" "$work/rss.txt" &
    local sampler=$!
    if [ "$PROFILE" = 1 ]; then
        perf record -q -F 499 -o "$work/perf.data" -- "${timed[@]}" > "$work/run.out" 2> "$work/run.err" || true
    else
        "${timed[@]}" > "$work/run.out" 2> "$work/run.err" || true
    fi
    kill "$sampler" 2>/dev/null || true
    wait "$sampler" 2>/dev/null || true
    status="$(exit_status "$work/time.txt")"
    local wall peak cpu made generations planned
    wall="$(wall_seconds "$work/time.txt")"
    peak="$(peak_mb "$work/time.txt")"
    cpu="$(cpu_seconds "$work/time.txt")"
    planned="$(sqlite3 "$work/s.sqlite" "SELECT count(*) FROM creative" 2>/dev/null || echo 0)"
    made="$(sqlite3 "$work/s.sqlite" "SELECT count(*) FROM creative WHERE state = 'succeeded'" 2>/dev/null || echo 0)"
    generations="$(sqlite3 "$work/s.sqlite" "SELECT count(*) FROM job WHERE state = 'succeeded'" 2>/dev/null || echo 0)"
    say "   exit $status, ${wall} s, $made of $planned creatives, $generations generations, peak RSS $peak MB (sampled: $(rss_peak_at "$work/rss.txt"))"
    local error=""
    if [ "$status" != 0 ] && [ "$status" != 124 ]; then
        error="$(grep -m1 -i 'adgen:\|error' "$work/run.err" | cut -c1-300 | tr -d '"\\')"
        say "   $error"
    fi
    local groups=""
    if [ "$PROFILE" = 1 ] && [ -s "$work/perf.data" ]; then
        groups="$(profile_groups "$work/perf.data")"
        perf report -i "$work/perf.data" --sort dso,sym --stdio -q 2>/dev/null | head -60 > "$work/perf-top.txt" || true
    fi
    local builders_end load_end
    load_end="$(load1)"
    builders_end="$(builders)"

    # The creatives adgen made, each with its generation's file (the store's rows name files relative to the
    # data root, the creative's relative to its batch's output folder).
    sqlite3 -separator $'\t' "$work/s.sqlite" "
        SELECT '$work/data/' || g.file, c.size_id, c.format,
               CASE WHEN substr(b.output_directory, 1, 1) = '/' THEN b.output_directory
                    ELSE '$work/data/' || b.output_directory END || '/' || c.file,
               c.events
        FROM creative c JOIN job j ON j.id = c.job_id JOIN generation g ON g.key = j.key
             JOIN batch b ON b.id = c.batch_id
        WHERE c.state = 'succeeded' ORDER BY j.id, c.rowid" > "$work/floor-list.tsv" 2>/dev/null || : > "$work/floor-list.tsv"
    local floor_line="{}" floor_load floor_builders floor_wall="" floor_peak="" floor_cpu=""
    if [ -s "$work/floor-list.tsv" ]; then
        floor_load="$(load1)"
        floor_builders="$(builders)"
        say "-- codec floor $name (load $floor_load, $floor_builders other compiler processes)"
        floor_line="$(/usr/bin/time -v -o "$work/floor-time.txt" "$FLOOR" "$file" "$work/floor-list.tsv" \
            --passes "$PASSES")"
        say "   $floor_line"
        floor_wall="$(wall_seconds "$work/floor-time.txt")"
        floor_peak="$(peak_mb "$work/floor-time.txt")"
        floor_cpu="$(cpu_seconds "$work/floor-time.txt")"
    else
        floor_load="$(load1)"
        floor_builders="$(builders)"
        say "   no creatives made: no floor"
    fi
    printf '{"run":"%s","campaign":"%s","file":"%s","exit":%s,"limit_seconds":%s,"planned":%s,"creatives":%s,"generations":%s,"seconds":%s,"cpu_seconds":%s,"peak_rss_mb":%s,"load1_start":%s,"load1_end":%s,"builders_start":%s,"builders_end":%s,"profile":{%s},"floor_load1":%s,"floor_builders":%s,"floor_process_seconds":%s,"floor_cpu_seconds":%s,"floor_peak_rss_mb":%s,"error":"%s","floor":%s}\n' \
        "$RUN" "$name" "${file#"$TREE"/}" "${status:-1}" "$limit" "${planned:-0}" "${made:-0}" "${generations:-0}" \
        "${wall:-0}" "${cpu:-0}" "${peak:-0}" "$load_start" "$load_end" "$builders_start" "$builders_end" "$groups" \
        "$floor_load" "$floor_builders" "${floor_wall:-null}" "${floor_cpu:-null}" "${floor_peak:-null}" "$error" \
        "$floor_line" >> "$RESULTS"
}

say "== machine: $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg), $(builders) other compiler processes (run $RUN)"
for entry in "${CAMPAIGNS[@]}"; do
    file="${entry%@*}"
    limit="$TIMEOUT"
    [ "$file" != "$entry" ] && limit="${entry##*@}"
    case "$file" in /*) ;; *) file="$ROOT/$file" ;; esac
    case "$file" in
    "$ROOT"/campaigns/*) measure "$TREE/campaigns/${file#"$ROOT"/campaigns/}" "$limit" ;;
    *) measure "$file" "$limit" ;;
    esac
done

# 4. the tables
say "== load average after the runs: $(cut -d' ' -f1-3 /proc/loadavg)"
python3 - "$RESULTS" "$RUN" "${BENCH_STRICT:-0}" <<'PY'
import json, sys

path, run, strict = sys.argv[1], sys.argv[2], sys.argv[3] == "1"
rows = [json.loads(line) for line in open(path) if line.strip()]
rows = [r for r in rows if r["run"] == run]
RATIO_GOAL, RSS_GOAL = 1.25, 400.0

print(f"\nEnd to end (run {run}): adgen run, release, against the codec floor of the same batch\n")
print("| campaign | creatives | generations | adgen s | creatives/s | peak RSS MB | floor s | ratio | CPU s adgen / floor | load |")
print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |")
missed, notes = [], []
for r in rows:
    floor = r["floor"].get("seconds")
    made, seconds = r["creatives"], r["seconds"]
    rate = made / seconds if seconds else 0
    ratio = seconds / floor if floor else None
    stopped = r["exit"] == 124 and r.get("limit_seconds", 0) > 0
    note = ("" if r["exit"] == 0 else f" (stopped after {r['limit_seconds']} s: {made:,} of {r['planned']:,})"
            if stopped else f" (failed: exit {r['exit']}: {r.get('error', '')[:160]})")
    load = f"{r['load1_start']:.2f}–{r['load1_end']:.2f}, floor {r['floor_load1']:.2f}"
    floor_cpu = r.get("floor_cpu_seconds")
    cpu = f"{r['cpu_seconds']:.0f} / {floor_cpu:.0f} = {r['cpu_seconds'] / floor_cpu:.2f}×" if floor_cpu else "n/a"
    print(f"| {r['campaign']}{note} | {made:,} | {r['generations']:,} | {seconds:.1f} | {rate:.2f} | "
          f"{r['peak_rss_mb']:.0f} | {f'{floor:.1f}' if floor is not None else 'n/a'} | "
          f"{f'{ratio:.2f}×' if ratio else 'n/a'} | {cpu} | {load} |")
    if r["exit"] != 0 and not stopped:
        missed.append(f"{r['campaign']}: adgen run failed (exit {r['exit']}; see its run.err)")
        continue
    if ratio is None or ratio > RATIO_GOAL:
        missed.append(f"{r['campaign']}: adgen {ratio:.2f}× the floor (goal ≤ {RATIO_GOAL}×)" if ratio
                      else f"{r['campaign']}: no floor (nothing made)")
    if stopped:
        notes.append(f"{r['campaign']}: stopped after {r['limit_seconds']} s, before its export: its figures are"
                     " those of the creatives made until then, and its peak RSS does not include the export")
    if r["peak_rss_mb"] >= RSS_GOAL:
        missed.append(f"{r['campaign']}: peak RSS {r['peak_rss_mb']:.0f} MB (goal < {RSS_GOAL:.0f} MB)")

for note in notes:
    print(f"\n- {note}")

groups = ["libwebp", "libjpeg", "libpng+zlib", "libvips", "glib", "pango-text", "rsvg-cairo", "adgen-swift",
          "sqlite", "libc+kernel", "other"]
if any(r["profile"] for r in rows):
    print("\nWhere adgen's CPU time goes (perf record -F 499, every thread; % of samples)\n")
    print("| campaign | CPU s | " + " | ".join(groups) + " |")
    print("| --- | ---: | " + " | ".join("---:" for _ in groups) + " |")
    for r in rows:
        p = r["profile"]
        if p:
            print(f"| {r['campaign']} | {r['cpu_seconds']:.0f} | " + " | ".join(f"{p.get(g, 0):.1f}" for g in groups) + " |")

print("\nThe floor: decode share and what it made\n")
print("| campaign | floor s | decode : fill+encode (task time) | floor peak RSS MB | qualities | lowered, unknown |")
print("| --- | ---: | --- | ---: | --- | --- |")
for r in rows:
    f = r["floor"]
    if not f:
        continue
    d, e = f["decode_seconds"], f["fill_encode_seconds"]
    share = f"{100 * d / (d + e):.0f} : {100 * e / (d + e):.0f} %" if d + e else "n/a"
    q = ", ".join(f"q{k}: {v}" for k, v in f["qualities"].items())
    print(f"| {r['campaign']} | {f['seconds']} | {share} | {r['floor_peak_rss_mb']} | {f['format']} {q} | "
          f"{f['lowered']}, {f['lowered_unknown']} |")

print()
if missed:
    print("Goals missed:")
    for m in missed:
        print(f"  - {m}")
else:
    print("Goals met: every campaign at ≤ 1.25× its codec floor and under 400 MB peak RSS.")
builders = max(max(r["builders_start"], r["builders_end"], r["floor_builders"]) for r in rows) if rows else 0
print(f"Other compiler processes during the runs: up to {builders}.")
sys.exit(1 if strict and missed else 0)
PY
echo "machine: $(nproc) cores; load average after the runs: $(cut -d' ' -f1-3 /proc/loadavg); raw lines: $RESULTS (run $RUN); work folders: $WORK"
