#!/usr/bin/env bash
# The co-serving headline (docs/BENCHMARKS.md), measured the way the paper measures it:
# objectives fixed first (TTFT ≤ 2 s, TPOT ≤ 100 ms), the online capacity found by bisection
# on online-only, then every run at 0.5, 0.7 and 0.9 of it on 3 windows of the trace, with
# llama.cpp's own llama-server (parallel slots, continuous batching) over HTTP on the identical
# requests, at offline concurrencies 0, 1 and 4.
#
#   scripts/bench-headline.sh [MODEL] [extra bench-serve flags...]
#
# MODEL is a path or a model name (default: the default model). llama-server comes from
# llama.cpp built natively ($PEER_BIN, else scripts/build-llama-cpp.sh builds it once per
# machine); it is a yardstick here, never a dependency of ConServe. The full run takes hours
# on 2 cores; DURATION, WINDOWS and FRACTIONS shorten it, and TUNE=0 leaves out the search for
# priority's largest static budget that meets the objectives (about 8 minutes per window).
set -euo pipefail
cd "$(dirname "$0")/.."
THREADS=${THREADS:-2}
PORT=${PORT:-8089}
SLOTS=${SLOTS:-8}
OUT=${OUT:-bench-results}
DURATION=${DURATION:-120}
WINDOWS=${WINDOWS:-3}
FRACTIONS=${FRACTIONS:-0.5,0.7,0.9}
POLICIES=${POLICIES:-online-only,fcfs,priority,conserve-budget,conserve-layer,conserve}
TUNE=${TUNE:-1}
MODEL_NAME=default
if [ $# -gt 0 ] && [[ "$1" != --* ]]; then MODEL_NAME=$1; shift; fi

swift build -c release --product conserve
if [ "$MODEL_NAME" = default ]; then MODEL=$(.build/release/conserve pull); else MODEL=$(.build/release/conserve pull "$MODEL_NAME" 2>/dev/null || echo "$MODEL_NAME"); fi
PEER_BIN=${PEER_BIN:-$(scripts/build-llama-cpp.sh)}
# Each of the SLOTS parallel slots gets the model's full context (8,192 tokens for SmolLM2), as
# every ConServe request may; --cont-batching is llama-server's default.
mkdir -p "$OUT"
"$PEER_BIN/llama-server" -m "$MODEL" -t "$THREADS" -tb "$THREADS" -np "$SLOTS" -c $((8192 * SLOTS)) \
    --host 127.0.0.1 --port "$PORT" > "$OUT/llama-server.log" 2>&1 &
PEER_PID=$!
trap 'kill $PEER_PID 2>/dev/null || true' EXIT
for _ in $(seq 1 120); do curl -sf "http://127.0.0.1:$PORT/health" > /dev/null && break; sleep 1; done

mkdir -p "$OUT"
.build/release/conserve bench serve --model "$MODEL" --threads "$THREADS" --policies "$POLICIES" \
    --load-fractions "$FRACTIONS" --windows "$WINDOWS" --duration "$DURATION" $( [ "$TUNE" = 1 ] && echo --tune-priority ) \
    --url "llama-server=http://127.0.0.1:$PORT" --peer-offline-concurrency 0,1,4 \
    --plot "$OUT" --json "$@" > "$OUT/headline.json"   # the table goes to standard error
