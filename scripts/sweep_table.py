#!/usr/bin/env python3
"""One markdown table from several `conserve bench serve --json` reports: per report and run,
online P99 TTFT and TPOT, SLO attainment, offline and total tokens per second."""
import json
import sys

print("| point | run | online P99 TTFT (ms) | online P99 TPOT (ms) | SLO attainment | offline tok/s | total tok/s |")
print("| --- | --- | ---: | ---: | ---: | ---: | ---: |")
for path in sys.argv[1:]:
    report = json.load(open(path))
    w = report["workload"]
    point = f"load {w['online_load_target']}, {w['arrivals']}"
    for run in report["runs"]:
        m = run["metrics"]
        online = m["online"]
        ttft = online.get("ttft") or {}
        tpot = online.get("tpot") or {}
        slo = online.get("sloAttainment")
        print(f"| {point} | {run['label']} | {ttft.get('p99', float('nan')):.0f} | {tpot.get('p99', float('nan')):.0f} | "
              f"{'–' if slo is None else f'{100 * slo:.0f}%'} | {m['offline']['tokensPerSecond']:.1f} | {m['totalTokensPerSecond']:.1f} |")
