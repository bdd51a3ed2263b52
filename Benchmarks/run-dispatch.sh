#!/usr/bin/env bash
# Dispatch benchmark of issue 4 ("Speed and memory"): the batch dispatcher against a provider server with a fixed
# latency, and a large batch's memory.
#
#   Benchmarks/run-dispatch.sh
#
# 1. builds Benchmarks/ in release (dispatch-bench);
# 2. starts latency_server.py (asyncio, HTTP/1.1 keep-alive: every request in flight waits out its latency side by
#    side) on a free port, with a 200 ms latency;
# 3. runs, each in a process of its own with a fresh SQLite store file:
#      latency: DISPATCH_JOBS jobs (default 2,000), 200 ms latency, concurrency 32, the real Dispatcher and the real
#        `http` provider; once with the HTTP client `adgen run` makes (async-http-client's defaults: a pool of 8
#        connections per host), once with a pool of 32 connections. Ideal: N·L/C;
#      rate: DISPATCH_RATE_JOBS jobs (default 2,000: 200 s) with requests_per_minute 600 and concurrency 64.
#        Ideal: N/rate;
#      scale: DISPATCH_SCALE_JOBS jobs (default 100,000) submitted and dispatched against an in-process provider that
#        answers at once: peak RSS, submit time, jobs/s, and the dispatcher's and the store's own CPU per job;
# 4. prints a table and whether each goal is met (wall time <= 1.05x ideal, CPU < 1 ms per job, peak RSS < 200 MB)
#    and appends the raw JSON lines, each with the run's id and the 1-minute load average when it started, to
#    Benchmarks/.build/dispatch-results.jsonl.
#
# Environment: DISPATCH_JOBS, DISPATCH_RATE_JOBS, DISPATCH_SCALE_JOBS, DISPATCH_WRITE=1 to have `keep` write each
# image (AtomicFile: temp file, fsync, rename) as `adgen run` does, BENCH_STRICT=1 to exit 1 when a goal is missed
# (default: report only).
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
RESULTS="$HERE/.build/dispatch-results.jsonl"
WORK="$HERE/.build/dispatch-work"
JOBS="${DISPATCH_JOBS:-2000}"
RATE_JOBS="${DISPATCH_RATE_JOBS:-2000}"
SCALE_JOBS="${DISPATCH_SCALE_JOBS:-100000}"
RUN="$(date -u +%Y-%m-%dT%H:%M:%SZ)"
CORES="$(nproc)"
WRITE=()
[ "${DISPATCH_WRITE:-0}" = 1 ] && WRITE=(--write)

say() { printf '%s\n' "$*" >&2; }
load1() { cut -d' ' -f1 /proc/loadavg; }

# 1. the bench, in release
say "== building dispatch-bench (release)"
# The main package may be edited while this builds ("was modified during the build"): try again a few times.
for attempt in 1 2 3 4 5; do
    if swift build -c release --package-path "$HERE" --product dispatch-bench >&2; then break; fi
    [ "$attempt" = 5 ] && { say "run-dispatch.sh: the build failed 5 times"; exit 1; }
    say "   build failed (attempt $attempt); trying again in 60 s"
    sleep 60
done
mkdir -p "$WORK"
# A copy: another build of Benchmarks/ during the runs cannot swap the binary under them.
cp "$(swift build -c release --package-path "$HERE" --show-bin-path)/dispatch-bench" "$WORK/dispatch-bench"
BENCH="$WORK/dispatch-bench"

# 2. the server
rm -f "$WORK/port"
python3 "$HERE/latency_server.py" --latency-ms 200 --port-file "$WORK/port" > "$WORK/server.log" 2>&1 &
SERVER=$!
trap 'kill "$SERVER" 2>/dev/null || true' EXIT
for _ in $(seq 1 100); do [ -s "$WORK/port" ] && break; sleep 0.1; done
[ -s "$WORK/port" ] || { say "run-dispatch.sh: the latency server did not start ($WORK/server.log)"; exit 1; }
URL="http://127.0.0.1:$(cat "$WORK/port")/generate"

# One measurement: NAME, then the command; its JSON line gets the run id and the load, and is appended.
record() {
    local name="$1"
    shift
    local load line
    load="$(load1)"
    say "-- $name (load $load)"
    line="$("$@")"
    say "   $line"
    printf '{"run":"%s","name":"%s","load1":%s,%s\n' "$RUN" "$name" "$load" "${line#\{}" >> "$RESULTS"
}

# 3. the runs
say "== machine: $CORES cores, load average $(cut -d' ' -f1-3 /proc/loadavg) before the runs (run $RUN)"
record "latency, adgen run's HTTP client" "$BENCH" latency --url "$URL" --jobs "$JOBS" --latency-ms 200 \
    --concurrency 32 "${WRITE[@]}"
record "latency, pool of 32" "$BENCH" latency --url "$URL" --jobs "$JOBS" --latency-ms 200 --concurrency 32 \
    --connections 32 "${WRITE[@]}"
record "rate 600/min" "$BENCH" rate --url "$URL" --jobs "$RATE_JOBS" --rpm 600 --concurrency 64 --connections 64 \
    "${WRITE[@]}"
record "scale" "$BENCH" scale --jobs "$SCALE_JOBS" --concurrency 32

# 4. the table
say "== load average after the runs: $(cut -d' ' -f1-3 /proc/loadavg)"
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
print(f"\nDispatch (run {run})\n")
print("| run | jobs | wall s | ideal s | ratio | jobs/s | CPU ms/job | peak RSS MiB | server peak in flight | load | goal |")
print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |")
for row in rows:
    goals = []
    if row["ratio"] is not None:
        ok = row["ratio"] <= 1.05
        goals.append(f"wall <= 1.05x ideal: {'met' if ok else '**not met**'}")
        if not ok:
            missed.append(row["name"])
    if row["mode"] == "scale":
        ok = row["peak_rss_mib"] < 200
        goals.append(f"RSS < 200 MB: {'met' if ok else '**not met**'}")
        ok_cpu = row["cpu_ms_per_job"] < 1
        goals.append(f"CPU < 1 ms/job: {'met' if ok_cpu else '**not met**'}")
        if not (ok and ok_cpu):
            missed.append(row["name"])
    server = row.get("server") or {}
    print(
        f"| {row['name']} | {row['jobs']} | {row['seconds']:.2f} | "
        + (f"{row['ideal_seconds']:.2f} | {row['ratio']:.3f}x" if row["ratio"] is not None else "| ")
        + f" | {row['jobs_per_second']:.0f} | {row['cpu_ms_per_job']:.3f} | {row['peak_rss_mib']:.0f} | "
        + f"{server.get('peak_in_flight', '')} | {row['load1_start']}–{row['load1_end']} | {'; '.join(goals)} |"
    )
scale = [row for row in rows if row["mode"] == "scale"]
for row in scale:
    print(
        f"\nscale: submit {row['jobs']} jobs in {row['submit_seconds']:.1f} s ({row['submit_jobs_per_second']:.0f}/s),"
        f" RSS {row['rss_after_submit_mib']:.0f} MiB after the submit, {row['peak_rss_mib']:.0f} MiB peak;"
        f" dispatch {row['seconds']:.1f} s"
    )
print("\nCPU ms/job: the process' CPU time (all threads) over the dispatch / jobs. latency and rate include the HTTP")
print("client, JSON and base64 decoding and the PNG check; scale is the dispatcher and the store alone.")
if missed and "--strict" in sys.argv:
    sys.exit(1)
EOF
echo "machine: $CORES cores; load average after the runs: $(cut -d' ' -f1-3 /proc/loadavg); raw lines: $RESULTS (run $RUN)"
exit "$status"
