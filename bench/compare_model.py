#!/usr/bin/env python3
"""`conserve bench model` against llama.cpp, in one run, same machine, same threads.

Runs the engine's benchmark and bench/llamacpp_bench.py (llama.cpp through PyPI's
llama-cpp-python) one after the other, `--rounds` times alternating (so a machine whose
speed drifts treats both alike), and prints one markdown table: each engine's mean over the
rounds and the ratio of the means.

    python3 -m venv /tmp/llamacpp-venv && /tmp/llamacpp-venv/bin/pip install llama-cpp-python
    swift build -c release
    python3 bench/compare_model.py [--threads 2] [--repetitions 3] [--venv /tmp/llamacpp-venv]
"""
import argparse, json, os, subprocess, sys

here = os.path.dirname(os.path.abspath(__file__))
root = os.path.dirname(here)
ap = argparse.ArgumentParser()
ap.add_argument('--threads', type=int, default=2)
ap.add_argument('--repetitions', type=int, default=3)
ap.add_argument('--rounds', type=int, default=1)
ap.add_argument('--venv', default='/tmp/llamacpp-venv')
ap.add_argument('--conserve', default=os.path.join(root, '.build', 'release', 'conserve'))
a = ap.parse_args()

def run(cmd):
    print('$ ' + ' '.join(cmd), file=sys.stderr)
    return json.loads(subprocess.run(cmd, check=True, capture_output=True, text=True).stdout)

ours_runs, peer_runs = [], []
for _ in range(a.rounds):
    ours_runs.append(run([a.conserve, 'bench', 'model', '--threads', str(a.threads), '--repetitions', str(a.repetitions), '--json']))
    peer_runs.append(run([os.path.join(a.venv, 'bin', 'python'), os.path.join(here, 'llamacpp_bench.py'),
                          '--threads', str(a.threads), '--repetitions', str(a.repetitions), '--json']))

def mean_by_test(runs):
    tests = {}
    for r in runs:
        for x in r['results']:
            tests.setdefault(x['test'], []).append(x['tokensPerSecond'])
    return {t: (sum(v) / len(v), min(v), max(v)) for t, v in tests.items()}

ours, theirs = mean_by_test(ours_runs), mean_by_test(peer_runs)
print(f"threads: {a.threads}, rounds: {a.rounds} x {a.repetitions} repetitions, kernels: {ours_runs[0]['kernels']}, peer: {peer_runs[0]['peer']}\n")
print('| test | conserve tok/s (min-max) | llama.cpp tok/s (min-max) | ratio |')
print('| --- | ---: | ---: | ---: |')
for test, (m, lo, hi) in ours.items():
    if test not in theirs: continue
    pm, plo, phi = theirs[test]
    print(f"| {test} | {m:.1f} ({lo:.0f}-{hi:.0f}) | {pm:.1f} ({plo:.0f}-{phi:.0f}) | {m / pm:.2f}× |")
