#!/usr/bin/env bash
# Export benchmark of issue 12, item 5: the peak RSS and the time of the real `adgen export`, in release.
#
#   Benchmarks/run-export.sh
#
# 1. builds `adgen` (the main package's product) and `export-bench` in release, in Benchmarks/.build;
# 2. makes two real batches with `adgen run` into a store of its own (Benchmarks/.build/export-work/store.sqlite),
#    once (kept while the campaign files are unchanged):
#      story: campaigns/export-story.yaml, 150 creatives at meta-story (1080x1920) as PNG, ~240 MB;
#      mix:   campaigns/export-mix.yaml, 120 creatives at 5 sizes as WebP (the lumen-daybreak-serum pipeline);
# 3. `export-bench synthesize` submits batches of 1,000, 3,000 and 10,000 creatives through the store API, each
#    creative a copy of one of the mix batch's (a hard link to its real file, its real length and SHA-256), and
#    story-1.6MB: the story batch's 150 creatives with each PNG padded to 1.6 MB (a private ancillary chunk that
#    decoders skip: the local renderer's flat pictures compress to ~400 kB, a detailed 1080x1920 PNG to ~1.6 MB);
# 4. runs `adgen export BATCH --to folder:DIR` for each batch under /usr/bin/time -v, each in a process of its own,
#    into a fresh folder: peak RSS (maximum resident set size), wall, user and system time;
#    `export-bench tree` reports what it wrote (largest file, gallery pages, index.html);
# 5. prints the table and the goals: peak RSS < 200 MB for every batch; time linear in bytes (the seconds per GB of
#    the 10,000-creative export within 1.5x of the 1,000's). BENCH_STRICT=1 makes a missed goal exit 1.
#
# Environment: EXPORT_SIZES (default "1000 3000 10000"), EXPORT_ADGEN (an adgen binary to measure instead of the
# one built here, e.g. an older build for a before/after), EXPORT_REPEAT (default 1: exports per batch; the best
# wall time is kept, the largest RSS). The raw JSON lines go to Benchmarks/.build/export-results.jsonl.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
WORK="$HERE/.build/export-work"
RESULTS="$HERE/.build/export-results.jsonl"
SIZES="${EXPORT_SIZES:-1000 3000 10000}"
REPEAT="${EXPORT_REPEAT:-1}"
RUN="$(date -u +%Y-%m-%dT%H:%M:%SZ)"

say() { printf '%s\n' "$*" >&2; }
load1() { cut -d' ' -f1 /proc/loadavg; }
[ -x /usr/bin/time ] || { say "run-export.sh: /usr/bin/time is needed (apt-get install time)"; exit 1; }

# 1. build (retried when the main package is edited during the build, as run-imaging.sh does)
say "== building adgen and export-bench (release)"
for attempt in 1 2 3; do
    if (cd "$HERE" && swift build -c release --product adgen >&2 && swift build -c release --product export-bench >&2)
    then break; fi
    [ "$attempt" = 3 ] && { say "run-export.sh: the build failed"; exit 1; }
    sleep 5
done
BIN="$(cd "$HERE" && swift build -c release --show-bin-path)"
ADGEN="${EXPORT_ADGEN:-$BIN/adgen}"
BENCH="$BIN/export-bench"

# 2. the real batches, made once per version of their campaign files
mkdir -p "$WORK"
STORE="$WORK/store.sqlite"
stamp="$(cat "$HERE/campaigns/export-story.yaml" "$HERE/campaigns/export-mix.yaml" | sha256sum | cut -c1-16)"
if [ "$(cat "$WORK/stamp" 2>/dev/null)" != "$stamp" ]; then
    say "== making the real batches with adgen run (~2 minutes)"
    rm -rf "$WORK"/store.sqlite* "$WORK"/batches "$WORK"/ids
    mkdir -p "$WORK"
    for name in story mix; do
        "$BIN/adgen" run "$HERE/campaigns/export-$name.yaml" --store "$STORE" --json > "$WORK/run-$name.json"
        python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["id"])' "$WORK/run-$name.json" \
            > "$WORK/id-$name"
    done
    echo "$stamp" > "$WORK/stamp"
fi
STORY="$(cat "$WORK/id-story")"
MIX="$(cat "$WORK/id-mix")"

# 3. the synthetic batches, once per size; and the story creatives at the size of detailed PNGs
mkdir -p "$WORK/ids"
if [ ! -s "$WORK/ids/story-1.6MB" ]; then
    say "== the story batch again, each PNG padded to 1.6 MB (~240 MB)"
    "$BENCH" synthesize --store "$STORE" --from "$STORY" --count 150 --pad-png-to 1600000 > "$WORK/ids/story-1.6MB"
fi
for n in $SIZES; do
    if [ ! -s "$WORK/ids/$n" ]; then
        say "== synthesizing a batch of $n creatives from $MIX"
        "$BENCH" synthesize --store "$STORE" --from "$MIX" --count "$n" > "$WORK/ids/$n"
    fi
done

# 4. the exports
measure() {
    local name="$1" batch="$2" best="" rss=0 user="" system="" out line load
    load="$(load1)"
    for _ in $(seq 1 "$REPEAT"); do
        out="$WORK/out-$name"
        rm -rf "$out"
        /usr/bin/time -v -o "$WORK/time.txt" "$ADGEN" export "$batch" --to "folder:$out" --store "$STORE" \
            > "$WORK/export.log" 2>&1 || { cat "$WORK/export.log" >&2; exit 1; }
        local wall kib
        wall="$(awk -F': ' '/Elapsed \(wall clock\)/ {n=split($2,p,":"); s=0; for(i=1;i<=n;i++) s=s*60+p[i]; print s}' "$WORK/time.txt")"
        kib="$(awk -F': ' '/Maximum resident set size/ {print $2}' "$WORK/time.txt")"
        [ "$kib" -gt "$rss" ] && rss="$kib"
        if [ -z "$best" ] || awk "BEGIN {exit !($wall < $best)}"; then
            best="$wall"
            user="$(awk -F': ' '/User time/ {print $2}' "$WORK/time.txt")"
            system="$(awk -F': ' '/System time/ {print $2}' "$WORK/time.txt")"
        fi
    done
    line="$("$BENCH" tree "$out/"*/"$batch")"
    line="{\"run\":\"$RUN\",\"name\":\"$name\",\"batch\":\"$batch\",\"load1\":$load,\"seconds\":$best,\"user_seconds\":$user,\"system_seconds\":$system,\"peak_rss_kib\":$rss,\"adgen\":\"$ADGEN\",${line#\{}"
    say "   $line"
    echo "$line" >> "$RESULTS"
}
say "== machine: $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg) (run $RUN)"
say "-- story: 150 PNG creatives at 1080x1920, as adgen run made them"
measure story "$STORY"
say "-- story-1.6MB: the same 150, each PNG 1.6 MB"
measure story-1.6MB "$(cat "$WORK/ids/story-1.6MB")"
for n in $SIZES; do
    say "-- $n creatives (mix)"
    measure "$n" "$(cat "$WORK/ids/$n")"
done

# 5. the table
status=0
strict=()
[ "${BENCH_STRICT:-0}" = 1 ] && strict=(--strict)
python3 - "$RESULTS" "$RUN" "${strict[@]}" <<'EOF' || status=$?
import json
import sys

path, run = sys.argv[1], sys.argv[2]
rows = [json.loads(line) for line in open(path) if line.strip()]
rows = [row for row in rows if row.get("run") == run]
missed = []
print(f"\nadgen export (run {run})\n")
print("| batch | files | MB written | wall s | user s | sys s | s per GB | peak RSS MiB | largest file | gallery pages (largest KB) | index.html KB | load | RSS < 200 MB |")
print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- | ---: | ---: | ---: | --- |")
for row in rows:
    mib = row["peak_rss_kib"] / 1024
    ok = mib * 1024 * 1024 < 200e6
    if not ok:
        missed.append(row["name"])
    row["s_per_gb"] = row["seconds"] / (row["bytes"] / 1e9)
    print(
        f"| {row['name']} | {row['files']} | {row['bytes'] / 1e6:.0f} | {row['seconds']:.2f} | {row['user_seconds']:.2f} | "
        f"{row['system_seconds']:.2f} | {row['s_per_gb']:.1f} | {mib:.0f} | {row['largest_file']} "
        f"({row['largest_file_bytes'] / 1e6:.1f} MB) | {row['gallery_pages']} ({row['largest_page_bytes'] / 1e3:.0f}) | "
        f"{row['index_html_bytes'] / 1e3:.0f} | {row['load1']} | {'met' if ok else '**not met**'} |"
    )
sized = sorted((row for row in rows if row["name"].isdigit()), key=lambda row: int(row["name"]))
if len(sized) >= 2:
    first, last = sized[0], sized[-1]
    ratio = last["s_per_gb"] / first["s_per_gb"]
    ok = ratio <= 1.5
    print(
        f"\ntime per GB written: {first['s_per_gb']:.1f} s at {first['name']} creatives, {last['s_per_gb']:.1f} s at "
        f"{last['name']}: {ratio:.2f}x (linear in bytes, goal <= 1.5x: {'met' if ok else '**not met**'})"
    )
    if not ok:
        missed.append("linear time")
if missed and "--strict" in sys.argv:
    sys.exit(1)
EOF
echo "raw lines: $RESULTS (run $RUN)"
exit "$status"
