#!/usr/bin/env bash
# Online load and burstiness sweep (docs/BENCHMARKS.md): `conserve bench serve` at each point,
# one JSON report per point, then one summary table.
#
#   scripts/bench-sweep.sh [extra bench-serve flags...]
set -euo pipefail
cd "$(dirname "$0")/.."
THREADS=${THREADS:-2}
OUT=${OUT:-bench-results/sweep}
DURATION=${DURATION:-60}
POLICIES=${POLICIES:-online-only,priority,conserve,ecoserve}
LOADS=${LOADS:-0.1 0.2 0.4 0.6 0.8}
CVS=${CVS:-4}
mkdir -p "$OUT"
swift build -c release --product conserve
for load in $LOADS; do
    .build/release/conserve bench serve --threads "$THREADS" --policies "$POLICIES" --duration "$DURATION" \
        --online-load "$load" --json "$@" > "$OUT/load-$load.json"
done
for cv in $CVS; do
    .build/release/conserve bench serve --threads "$THREADS" --policies "$POLICIES" --duration "$DURATION" \
        --online-load 0.4 --burstiness "$cv" --json "$@" > "$OUT/cv-$cv.json"
done
python3 scripts/sweep_table.py "$OUT"/load-*.json "$OUT"/cv-*.json
