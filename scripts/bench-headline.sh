#!/usr/bin/env bash
# The co-serving headline (docs/BENCHMARKS.md): every policy in process and llama.cpp's server
# over HTTP on the identical workload, in one `conserve bench serve` run.
#
#   scripts/bench-headline.sh [extra bench-serve flags...]
#
# Installs llama-cpp-python (PyPI, builds llama.cpp from source, ~10 minutes) into
# $LLAMA_VENV the first time. llama.cpp is a yardstick here, never a dependency of ConServe.
set -euo pipefail
cd "$(dirname "$0")/.."
THREADS=${THREADS:-2}
LLAMA_VENV=${LLAMA_VENV:-/tmp/llamacpp-venv}
LLAMA_PORT=${LLAMA_PORT:-8089}
OUT=${OUT:-bench-results}

swift build -c release --product conserve
MODEL=$(.build/release/conserve pull)
if [ ! -x "$LLAMA_VENV/bin/python" ] || ! "$LLAMA_VENV/bin/python" -c 'import llama_cpp.server' 2>/dev/null; then
    python3 -m venv "$LLAMA_VENV"
    "$LLAMA_VENV/bin/pip" install -q 'llama-cpp-python[server]'
fi
# llama-cpp-python's server runs one request at a time (no parallel slots). With
# interrupt_requests on (its default), every queued request would cut the stream in progress
# short, so it is off; n_ctx is the model's full context, as ConServe's.
"$LLAMA_VENV/bin/python" -m llama_cpp.server --model "$MODEL" --n_threads "$THREADS" --n_threads_batch "$THREADS" \
    --n_ctx 8192 --interrupt_requests False --port "$LLAMA_PORT" > /tmp/llamacpp-server.log 2>&1 &
LLAMA_PID=$!
trap 'kill $LLAMA_PID 2>/dev/null || true' EXIT
for _ in $(seq 1 120); do curl -sf "http://127.0.0.1:$LLAMA_PORT/v1/models" > /dev/null && break; sleep 1; done

mkdir -p "$OUT"
.build/release/conserve bench serve --threads "$THREADS" --url "llama.cpp=http://127.0.0.1:$LLAMA_PORT" \
    --plot "$OUT" --json "$@" > "$OUT/headline.json"   # the table goes to standard error
