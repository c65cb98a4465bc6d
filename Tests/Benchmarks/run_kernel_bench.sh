#!/bin/sh
# Builds and runs the kernel micro benchmark with the same flags SwiftPM uses for CKernels.
# Usage: Tests/Benchmarks/run_kernel_bench.sh [rows] [k]
set -e
cd "$(dirname "$0")/../.."
out="${TMPDIR:-/tmp}/conserve_kernel_bench"
clang -O3 -fno-math-errno -ISources/CKernels/include -ISources/CKernels \
  Tests/Benchmarks/kernel_bench.c Sources/CKernels/*.c -lm -o "$out"
exec "$out" "$@"
