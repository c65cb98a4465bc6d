#!/usr/bin/env bash
# Shows whether the scheduler decides exactly as it did at an earlier revision: builds
# scripts/scheduler-trace/main.swift against Sources/Scheduling of REF and of the working tree
# (each with its own revision's simulated executor from Tests/SchedulingTests) and diffs the
# traces. Prints IDENTICAL, or the first differences. Usage: scripts/scheduler-trace-diff.sh REF
set -euo pipefail
ref=${1:?usage: scripts/scheduler-trace-diff.sh REF}
root=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

make_package() { # $1: side, $2: git ref or "" for the working tree
    local dir="$work/$1"
    mkdir -p "$dir/Sources/TracedScheduling" "$dir/Sources/scheduler-trace"
    if [[ -n $2 ]]; then
        for f in $(git -C "$root" ls-tree --name-only "$2" Sources/Scheduling/); do
            git -C "$root" show "$2:$f" > "$dir/Sources/TracedScheduling/$(basename "$f")"
        done
        git -C "$root" show "$2:Tests/SchedulingTests/SimulatedKVExecutor.swift" > "$dir/Sources/scheduler-trace/SimulatedKVExecutor.swift"
    else
        cp "$root"/Sources/Scheduling/*.swift "$dir/Sources/TracedScheduling/"
        cp "$root/Tests/SchedulingTests/SimulatedKVExecutor.swift" "$dir/Sources/scheduler-trace/"
    fi
    sed -i 's/^import Scheduling$/import TracedScheduling/' "$dir/Sources/scheduler-trace/SimulatedKVExecutor.swift"
    cp "$root/scripts/scheduler-trace/main.swift" "$dir/Sources/scheduler-trace/"
    cat > "$dir/Package.swift" <<'PKG'
// swift-tools-version: 6.0
import PackageDescription
let collections: [Target.Dependency] = [
    .product(name: "DequeModule", package: "swift-collections"), .product(name: "HeapModule", package: "swift-collections"),
]
let package = Package(
    name: "scheduler-trace",
    dependencies: [.package(url: "https://github.com/apple/swift-collections", from: "1.6.0")],
    targets: [
        .target(name: "TracedScheduling", dependencies: collections),
        .executableTarget(name: "scheduler-trace", dependencies: ["TracedScheduling"]),
    ])
PKG
    (cd "$dir" && swift build -c release -q >&2 && .build/release/scheduler-trace) > "$work/$1.txt"
}
make_package before "$ref"
make_package after ""
if cmp -s "$work/before.txt" "$work/after.txt"; then
    echo "IDENTICAL: $(wc -l < "$work/after.txt") lines of plans, tokens and counters"
else
    diff "$work/before.txt" "$work/after.txt" | head -40
    exit 1
fi
