#!/usr/bin/env python3
"""`conserve bench model` against llama.cpp, in one run, same machine, same threads.

Runs the engine's benchmark and bench/llamacpp_bench.py (llama.cpp through PyPI's
llama-cpp-python) one after the other and prints one markdown table with the ratio.

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
ap.add_argument('--venv', default='/tmp/llamacpp-venv')
ap.add_argument('--conserve', default=os.path.join(root, '.build', 'release', 'conserve'))
a = ap.parse_args()

def run(cmd):
    print('$ ' + ' '.join(cmd), file=sys.stderr)
    return json.loads(subprocess.run(cmd, check=True, capture_output=True, text=True).stdout)

ours = run([a.conserve, 'bench', 'model', '--threads', str(a.threads), '--repetitions', str(a.repetitions), '--json'])
peer = run([os.path.join(a.venv, 'bin', 'python'), os.path.join(here, 'llamacpp_bench.py'),
            '--threads', str(a.threads), '--repetitions', str(a.repetitions), '--json'])
theirs = {r['test']: r for r in peer['results']}
print(f"threads: {a.threads}, repetitions: {a.repetitions}, kernels: {ours['kernels']}, peer: {peer['peer']}\n")
print('| test | conserve tok/s | llama.cpp tok/s | ratio |')
print('| --- | ---: | ---: | ---: |')
for r in ours['results']:
    p = theirs.get(r['test'])
    if p is None: continue
    print(f"| {r['test']} | {r['tokensPerSecond']:.1f} ± {r['standardDeviation']:.1f} | "
          f"{p['tokensPerSecond']:.1f} ± {p['standardDeviation']:.1f} | {r['tokensPerSecond'] / p['tokensPerSecond']:.2f}× |")
