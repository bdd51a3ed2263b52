#!/usr/bin/env bash
# Benchmarks of issue 13 ("Speed"): `adgen serve` in release, loaded from this machine over loopback.
#
#   Benchmarks/run-service.sh
#
# 1. builds the release `adgen` (scratch folder .build-release) and starts `adgen serve` on a fresh store with one
#    API key, no rate limit and no workers for parts 2 and 3 (the batches stay queued: the API alone is measured);
# 2. submits a campaign of 5,000 variants × 2 sizes (10,000 creatives) and runs `wrk -t2 -c64 -d20s --latency` on
#    GET /v1/batches/{id} (goal: ≥ 10,000 requests/s, p99 < 20 ms), and a second run at -c16;
# 3. times POST /v1/batches of a 1,000-variant campaign (2,000 creatives), 10 times, each a new batch
#    (goal: answered in < 100 ms);
# 4. restarts the server with 2 workers, submits a 400-creative campaign of the local renderer and, at once, opens
#    1,000 SSE clients on its events (Benchmarks/sse_clients.py); reports how many got every creative event and the
#    server's peak RSS (VmHWM) (goal: all of them, RSS < 300 MB).
# Prints a table and appends a JSON line to Benchmarks/.build/service-results.jsonl. Needs wrk (apt-get install wrk).
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/.." && pwd)"
SCRATCH="$ROOT/.build-release"
WORK="$HERE/.build/service-work"
RESULTS="$HERE/.build/service-results.jsonl"
KEY="bench-key-0123456789"
PORT="${SERVICE_PORT:-18080}"
command -v wrk >/dev/null || { echo "wrk is needed: apt-get install wrk" >&2; exit 69; }
ulimit -n 8192

echo "building adgen (release)…" >&2
swift build -c release --product adgen --package-path "$ROOT" --scratch-path "$SCRATCH" >&2
ADGEN="$SCRATCH/release/adgen"
rm -rf "$WORK" && mkdir -p "$WORK"
cat >"$WORK/adgen.yaml" <<YAML
server: { active_batches_per_key: 10000, creatives_per_batch: 1000000 }
YAML

SERVER_PID=""
start_server() { # WORKERS
    ADGEN_API_KEYS="$KEY" "$ADGEN" serve --port "$PORT" --store "$WORK/s/adgen.sqlite" --data "$WORK/data" \
        --config "$WORK/adgen.yaml" --rate-limit 0 --workers "$1" >"$WORK/serve.log" 2>&1 &
    SERVER_PID=$!
    for _ in $(seq 100); do curl -sf "http://127.0.0.1:$PORT/healthz" >/dev/null && return; sleep 0.1; done
    echo "adgen serve did not start" >&2; cat "$WORK/serve.log" >&2; exit 1
}
stop_server() { kill -TERM "$SERVER_PID" 2>/dev/null || true; wait "$SERVER_PID" 2>/dev/null || true; }
trap stop_server EXIT

campaign() { # NAME AUDIENCES HEADLINES
    local audiences headlines
    audiences=$(seq -s, 1 "$2" | sed 's/\([0-9]*\)/"a\1"/g')
    headlines=$(seq -s, 1 "$3" | sed 's/\([0-9]*\)/"h\1"/g')
    printf 'campaign: %s\naxes:\n  audience: [%s]\n  headline: [%s]\nprompt: "shoe for {{audience}}, {{headline}}"\nsizes: [iab-mrec, meta-feed]\nmax_variants: 1000000\n' \
        "$1" "$audiences" "$headlines"
}
submit() { # FILE → batch id
    curl -sf -H "Authorization: Bearer $KEY" -H 'Content-Type: application/yaml' --data-binary @"$1" \
        "http://127.0.0.1:$PORT/v1/batches" | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])'
}

# 2. GET /v1/batches/{id} of a 10,000-creative batch.
start_server 0
campaign big-get 100 50 >"$WORK/get.yaml"
BIG=$(submit "$WORK/get.yaml")
URL="http://127.0.0.1:$PORT/v1/batches/$BIG"
curl -sf -H "Authorization: Bearer $KEY" "$URL" | python3 -c 'import json,sys; b=json.load(sys.stdin); print("batch", b["id"], b["request_counts"]["total"], "creatives")' >&2
wrk_run() { # CONNECTIONS
    wrk -t2 -c"$1" -d20s --latency -H "Authorization: Bearer $KEY" "$URL" >"$WORK/wrk-$1.txt"
    local rps p99
    rps=$(awk '/Requests\/sec/ {print $2}' "$WORK/wrk-$1.txt")
    p99=$(awk '$1=="99%" {print $2}' "$WORK/wrk-$1.txt")
    echo "$rps $p99"
}
read -r RPS64 P99_64 <<<"$(wrk_run 64)"
read -r RPS16 P99_16 <<<"$(wrk_run 16)"

# 3. POST /v1/batches of a 1,000-variant campaign.
POSTS=()
for i in $(seq 10); do
    campaign "post-$i" 50 20 >"$WORK/post-$i.yaml"
    t=$(curl -s -o /dev/null -w '%{time_total}' -H "Authorization: Bearer $KEY" -H 'Content-Type: application/yaml' \
        --data-binary @"$WORK/post-$i.yaml" "http://127.0.0.1:$PORT/v1/batches")
    POSTS+=("$t")
done
POST_MEDIAN=$(printf '%s\n' "${POSTS[@]}" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]*1000}')
POST_MAX=$(printf '%s\n' "${POSTS[@]}" | sort -n | tail -1 | awk '{print $1*1000}')
stop_server

# 4. 1,000 SSE clients on one running batch.
rm -rf "$WORK/s" "$WORK/data"
start_server 2
campaign sse 20 10 >"$WORK/sse.yaml"
SSE=$(submit "$WORK/sse.yaml")
SSE_OUT=$(python3 "$HERE/sse_clients.py" 127.0.0.1 "$PORT" "$KEY" "$SSE" 1000 400)
RSS_KB=$(awk '/VmHWM/ {print $2}' "/proc/$SERVER_PID/status")
stop_server
trap - EXIT

printf '\n%-52s %14s %12s\n' "measure" "value" "goal"
printf '%-52s %14s %12s\n' "GET /v1/batches/{id} (10,000 creatives), -c64: req/s" "$RPS64" "≥ 10000"
printf '%-52s %14s %12s\n' "  p99 latency" "$P99_64" "< 20 ms"
printf '%-52s %14s %12s\n' "  -c16: req/s" "$RPS16" ""
printf '%-52s %14s %12s\n' "  -c16: p99 latency" "$P99_16" ""
printf '%-52s %14s %12s\n' "POST /v1/batches (1,000 variants), median ms" "$POST_MEDIAN" "< 100 ms"
printf '%-52s %14s %12s\n' "  slowest of 10, ms" "$POST_MAX" ""
printf '%-52s %14s %12s\n' "1,000 SSE clients on one batch (400 creatives)" "$SSE_OUT" ""
printf '%-52s %14s %12s\n' "  server peak RSS" "$((RSS_KB / 1024)) MB" "< 300 MB"
mkdir -p "$(dirname "$RESULTS")"
printf '{"run":"%s","get_rps_c64":%s,"get_p99_c64":"%s","get_rps_c16":%s,"get_p99_c16":"%s","post_median_ms":%s,"post_max_ms":%s,"sse":%s,"serve_peak_rss_mb":%s,"load":"%s"}\n' \
    "$(date -u +%FT%TZ)" "$RPS64" "$P99_64" "$RPS16" "$P99_16" "$POST_MEDIAN" "$POST_MAX" "$SSE_OUT" \
    "$((RSS_KB / 1024))" "$(cut -d' ' -f1-3 /proc/loadavg)" >>"$RESULTS"
