#!/usr/bin/env bash
# Expansion benchmark: adgen's lazy expansion against dynamicprompts 0.31.0, same template, same wildcard files.
#
#   Benchmarks/run-expansion.sh
#
# 1. creates (or reuses) the venv .build-venv at the repository root with dynamicprompts==0.31.0;
# 2. builds Benchmarks/ in release (expansion-bench);
# 3. checks that adgen and dynamicprompts expand the benchmark template to the same multiset of prompts, on the
#    complete slice where every axis keeps its first 2 values (14,592 prompts);
# 4. for N = 10^4, 10^6, 10^7 runs, each in a process of its own (so peak RSS is per N):
#      expansion-bench variants campaigns/bench.yaml N   (Expander: prompt + id of every variant)
#      expansion-bench cursor   campaigns/bench.yaml N   (VariantSpace.render(at:cursor:): prompt bytes + id, no Variant)
#      expansion-bench render   campaigns/bench.yaml N   (the same without the id: prompts only)
#      dp_bench.py --n N  (CombinatorialPromptGenerator.generate(template, max_prompts=N)), at 10^4 and 10^6 only:
#      at 10^7 dynamicprompts would hold all 10^7 prompts in one list (gigabytes) for tens of minutes; nothing is
#      extrapolated for it;
# 5. prints the table, the ratio, adgen's peak-RSS growth from the smallest to the largest N, and the goals
#    (>= 100x dynamicprompts' prompts/s; growth < 30 MB).
#
# Environment: ADGEN_BENCH_SIZES (default "10000 1000000 10000000"), DP_BENCH_SIZES (default "10000 1000000"),
# ADGEN_BENCH_THREADS=T (default 1) to add a run of the cursor path split over T threads (an extra column),
# BENCH_STRICT=1 to exit 1 when a goal is missed (default: report only). Raw JSON lines go to
# Benchmarks/.build/expansion-results.jsonl.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/.." && pwd)"
VENV="$ROOT/.build-venv"
DP_VERSION="0.31.0"
PYPARSING_VERSION="3.3.3"   # the pin of scripts/dynamicprompts/compare.sh
CAMPAIGN="$HERE/campaigns/bench.yaml"
WILDCARDS="$HERE/campaigns/templates/wildcards"
ADGEN_SIZES="${ADGEN_BENCH_SIZES:-10000 1000000 10000000}"
DP_SIZES="${DP_BENCH_SIZES:-10000 1000000}"
THREADS="${ADGEN_BENCH_THREADS:-1}"
WORK="$HERE/.build/expansion-bench-work"
RESULTS="$HERE/.build/expansion-results.jsonl"

say() { printf '%s\n' "$*" >&2; }

# 1. dynamicprompts
if ! { [ -x "$VENV/bin/python" ] && "$VENV/bin/python" - "$DP_VERSION" <<'EOF' 2>/dev/null; }
import sys
from importlib.metadata import version
sys.exit(0 if version("dynamicprompts") == sys.argv[1] else 1)
EOF
then
    say "== setting up $VENV with dynamicprompts==$DP_VERSION"
    [ -x "$VENV/bin/python" ] || python3 -m venv "$VENV"
    "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check \
        "dynamicprompts==$DP_VERSION" "pyparsing==$PYPARSING_VERSION" >&2
fi
PY="$VENV/bin/python"

# 2. the bench, in release
say "== building expansion-bench (release)"
swift build -c release --package-path "$HERE" --product expansion-bench >&2
BENCH="$(swift build -c release --package-path "$HERE" --show-bin-path)/expansion-bench"

mkdir -p "$WORK"
: > "$RESULTS"

# 3. same prompts?
say "== checking adgen and dynamicprompts agree (every axis cut to its first 2 values)"
"$BENCH" dp-template "$CAMPAIGN" > "$WORK/template.dp.txt"
"$BENCH" dp-template "$CAMPAIGN" --axis-values 2 > "$WORK/slice.dp.txt"
"$BENCH" prompts "$CAMPAIGN" --axis-values 2 | LC_ALL=C sort > "$WORK/slice.adgen.txt"
"$PY" "$HERE/dp_bench.py" --template-file "$WORK/slice.dp.txt" --wildcards "$WILDCARDS" --print \
    | LC_ALL=C sort > "$WORK/slice.dynamicprompts.txt"
SLICE_COUNT="$(wc -l < "$WORK/slice.adgen.txt" | tr -d ' ')"
if ! cmp -s "$WORK/slice.adgen.txt" "$WORK/slice.dynamicprompts.txt"; then
    say "run-expansion.sh: adgen and dynamicprompts differ on the slice (sorted outputs in $WORK):"
    diff "$WORK/slice.adgen.txt" "$WORK/slice.dynamicprompts.txt" | head -20 >&2 || true
    exit 1
fi
say "   same multiset: $SLICE_COUNT prompts"

# 4. the runs
say "== machine: $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg) before the runs"
load1() { cut -d' ' -f1 /proc/loadavg; }
for n in $(printf '%s\n' $ADGEN_SIZES $DP_SIZES | sort -n -u); do
    if [[ " $ADGEN_SIZES " == *" $n "* ]]; then
        for mode in variants cursor render; do
            say "-- adgen $mode n=$n"
            load="$(load1)"
            line="$("$BENCH" "$mode" "$CAMPAIGN" "$n")"
            say "   $line"
            printf '{"tool":"adgen","load1":%s,%s\n' "$load" "${line#\{}" >> "$RESULTS"
        done
        if [ "$THREADS" -gt 1 ]; then
            say "-- adgen cursor n=$n, $THREADS threads"
            load="$(load1)"
            line="$("$BENCH" cursor "$CAMPAIGN" "$n" --threads "$THREADS")"
            say "   $line"
            printf '{"tool":"adgen","load1":%s,%s\n' "$load" "${line#\{}" >> "$RESULTS"
        fi
    fi
    if [[ " $DP_SIZES " == *" $n "* ]]; then
        say "-- dynamicprompts n=$n"
        load="$(load1)"
        line="$("$PY" "$HERE/dp_bench.py" --template-file "$WORK/template.dp.txt" --wildcards "$WILDCARDS" --n "$n")"
        say "   $line"
        printf '{"tool":"dynamicprompts","load1":%s,%s\n' "$load" "${line#\{}" >> "$RESULTS"
    fi
done
LOAD_AFTER="$(cut -d' ' -f1-3 /proc/loadavg)"

# 5. the table
python3 - "$RESULTS" "$SLICE_COUNT" "$LOAD_AFTER" "${BENCH_STRICT:-0}" <<'EOF'
import json, sys

results = [json.loads(line) for line in open(sys.argv[1])]
slice_count, load_after, strict = sys.argv[2], sys.argv[3], sys.argv[4] == "1"
def pick(mode, threads=1):
    return {r["n"]: r for r in results if r["tool"] == "adgen" and r["mode"] == mode and r["threads"] == threads}
adgen, cursor, render = pick("variants"), pick("cursor"), pick("render")
threaded = {r["n"]: r for r in results if r["tool"] == "adgen" and r["mode"] == "cursor" and r["threads"] > 1}
thread_count = next(iter(threaded.values()))["threads"] if threaded else None
loads = {}
for r in results:
    loads[r["n"]] = max(loads.get(r["n"], 0.0), r["load1"])
dp = {r["n"]: r for r in results if r["tool"] == "dynamicprompts"}

def power(n):
    text = f"{n:,}"
    e = len(str(n)) - 1
    return f"10^{e}" if n == 10 ** e else text

rows = [("N", "adgen variants/s", "adgen peak RSS", "dynamicprompts prompts/s", "dynamicprompts peak RSS",
         "ratio", "adgen cursor/s", "adgen prompts-only/s")
        + ((f"adgen cursor/s, {thread_count} threads",) if threaded else ()) + ("load",)]
ratios = []
for n in sorted(set(adgen) | set(dp)):
    a, d, c, r = adgen.get(n), dp.get(n), cursor.get(n), render.get(n)
    ratio = a["variants_per_second"] / d["prompts_per_second"] if a and d else None
    if ratio is not None:
        ratios.append(ratio)
    rows.append((
        power(n),
        f"{a['variants_per_second']:,}" if a else "-",
        f"{a['peak_rss_mib']:.1f} MiB" if a else "-",
        f"{d['prompts_per_second']:,}" if d else "not run",
        f"{d['peak_rss_mib']:.1f} MiB" if d else "not run",
        f"{ratio:.1f}x" if ratio is not None else "n/a",
        f"{c['variants_per_second']:,}" if c else "-",
        f"{r['variants_per_second']:,}" if r else "-",
    ) + ((f"{threaded[n]['variants_per_second']:,}" if n in threaded else "-",) if threaded else ())
        + (f"{loads.get(n, 0):.2f}",))
widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
print()
print(f"Expansion benchmark: {next(iter(adgen.values()))['space']:,}-variant campaign (Benchmarks/campaigns/bench.yaml),"
      f" same template and wildcards for both; outputs checked equal on a {slice_count}-prompt slice.")
for index, row in enumerate(rows):
    print("  ".join(cell.rjust(widths[i]) if i else cell.ljust(widths[i]) for i, cell in enumerate(row)))
    if index == 0:
        print("  ".join("-" * w for w in widths))
missing = sorted(n for n in adgen if n not in dp)
if missing:
    print(f"dynamicprompts not run at {', '.join(power(n) for n in missing)} (DP_BENCH_SIZES): its generate() returns"
          " the whole list, which at 10^7 means gigabytes and tens of minutes; no figure is extrapolated for it.")
print("ratio = adgen variants/s (Expander: a Variant with prompt and id each) / dynamicprompts prompts/s at the"
      " same N; cursor = VariantSpace.render(at:cursor:) (prompt bytes + id, no Variant: what `adgen expand`"
      " streams); prompts-only = the same without the id.")
print(f"load = highest 1-minute load average at the start of that N's runs; after the runs: {load_after}."
      " Other work on the machine slows both sides.")

ok = True
if len(adgen) >= 2:
    small, large = min(adgen), max(adgen)
    growth = adgen[large]["peak_rss_mib"] - adgen[small]["peak_rss_mib"]
    growth_mb = growth * 1.048576
    met = growth_mb < 30
    ok &= met
    print(f"adgen peak RSS growth {power(small)} -> {power(large)}: {growth:+.2f} MiB ({growth_mb:+.2f} MB);"
          f" goal < 30 MB: {'met' if met else 'MISSED'}")
if ratios:
    worst = min(ratios)
    met = worst >= 100
    ok &= met
    print(f"lowest ratio: {worst:.1f}x; goal >= 100x dynamicprompts: {'met' if met else 'MISSED'}")
sys.exit(1 if strict and not ok else 0)
EOF
