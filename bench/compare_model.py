#!/usr/bin/env python3
"""`conserve bench model` against llama.cpp's own `llama-bench` and `llama-batched-bench`, on
every model given, same machine, same threads.

For each model and each of --rounds rounds it runs the engine, then llama-bench (pp512, tg128),
then llama-batched-bench (-npp 128 -ntg 128 -npl 1,8,32), so a machine whose speed drifts treats
both engines alike; it prints one markdown table per model: each engine's mean over the rounds
(min-max), and the ratio of the means.

Batched figures follow llama-batched-bench's definitions for B sequences of 128 prompt and 128
generated tokens: S_TG = B*128 / generation time (generation only), S = B*256 / (prefill +
generation time) (total), S_PP = B*128 / prefill time.

Load to first token: the wall time of a process that loads the model, generates one token and
exits, as a user meets it (`conserve generate --max-tokens 1` against `llama-batched-bench -c 512
-npp 1 -ntg 1`; the peer build has no llama-cli), median of --repetitions, alternating. Resident
memory is each engine's peak (ru_maxrss): the whole `conserve bench model` process, and
llama-batched-bench's batched run (32 sequences' KV cache included in both).

llama.cpp is found with --peer or $CONSERVE_PEER_BIN: a folder with llama-bench and
llama-batched-bench; without either, scripts/build-llama-cpp.sh builds them (once per machine)
and prints that folder. It is a yardstick, never a dependency of the project.

    swift build -c release --product conserve
    BIN=$(scripts/build-llama-cpp.sh)
    python3 bench/compare_model.py --peer "$BIN" --threads 2 smollm2-135m qwen2.5-coder-0.5b
"""
import argparse, json, os, re, statistics, subprocess, sys, time

here = os.path.dirname(os.path.abspath(__file__))
root = os.path.dirname(here)
ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
ap.add_argument('models', nargs='*', default=['smollm2-135m'], help='model names (conserve pull --list) or GGUF paths')
ap.add_argument('--peer', default=os.environ.get('CONSERVE_PEER_BIN'), help="llama.cpp's bin folder (or $CONSERVE_PEER_BIN)")
ap.add_argument('--threads', type=int, default=2)
ap.add_argument('--repetitions', type=int, default=3)
ap.add_argument('--rounds', type=int, default=1)
ap.add_argument('--batch-sizes', default='1,8,32', help='sequence counts for batched decode')
ap.add_argument('--load-only', action='store_true', help='only the load-to-first-token figure')
ap.add_argument('--conserve', default=os.path.join(root, '.build', 'release', 'conserve'))
a = ap.parse_args()
if not a.peer:
    built = subprocess.run([os.path.join(root, 'scripts', 'build-llama-cpp.sh')], stdout=subprocess.PIPE, text=True)
    if built.returncode != 0:
        sys.exit('compare_model.py: scripts/build-llama-cpp.sh could not build llama.cpp; give its bin folder with --peer')
    a.peer = built.stdout.strip()
if not os.path.exists(os.path.join(a.peer, 'llama-bench')):
    sys.exit(f'compare_model.py: no llama-bench in {a.peer}; give llama.cpp\'s bin folder with --peer or $CONSERVE_PEER_BIN')
BATCH_SIZES = [int(b) for b in a.batch_sizes.split(',')]


def run(cmd):
    """Runs `cmd`; returns its stdout and stderr."""
    print('$ ' + ' '.join(cmd), file=sys.stderr, flush=True)
    p = subprocess.run(cmd, capture_output=True, text=True)
    out, err = p.stdout, p.stderr
    if p.returncode:
        sys.exit(f'{cmd[0]} failed ({p.returncode}):\n{err[-2000:]}')
    return out, err


def peak_rss(cmd):
    """Runs `cmd` under /usr/bin/time -v; returns stdout, stderr and the peak resident bytes."""
    out, err = run(['/usr/bin/time', '-v'] + cmd)
    m = re.search(r'Maximum resident set size \(kbytes\): (\d+)', err)
    return out, err, int(m.group(1)) * 1024 if m else 0


def model_path(name):
    """A catalog name becomes its path (pulling it if needed), as every conserve --model does."""
    if os.path.exists(name): return name
    out, _ = run([a.conserve, 'pull', name])
    return out.strip().splitlines()[-1]


def ours(model):
    out, _, rss = peak_rss([a.conserve, 'bench', 'model', '--model', model, '--threads', str(a.threads),
                            '--repetitions', str(a.repetitions), '--batch-sizes'] + [str(b) for b in BATCH_SIZES] + ['--json'])
    report = json.loads(out)
    figures = {r['test']: r['tokensPerSecond'] for r in report['results']}
    # The JSON names the batched figures "batched B seq pp128+tg128: S_TG (generation only)" etc.
    result = {'pp512': figures['pp512'], 'tg128': figures['tg128'], 'peak RSS MiB': rss / 2**20}
    for b in BATCH_SIZES:
        for key, figure in (('S_TG', 'S_TG (generation only)'), ('S', 'S (total)')):
            result[f'batched {b} seq {key}'] = figures[f'batched {b} seq pp128+tg128: {figure}']
    return result, report['kernels']


def theirs(model):
    out, _ = run([os.path.join(a.peer, 'llama-bench'), '-m', model, '-t', str(a.threads), '-p', '512', '-n', '128',
                  '-r', str(a.repetitions), '-o', 'json'])
    result = {}
    for r in json.loads(out):
        result['pp512' if r['n_gen'] == 0 else 'tg128'] = r['avg_ts']
    out, err, rss = peak_rss([os.path.join(a.peer, 'llama-batched-bench'), '-m', model, '-t', str(a.threads), '-tb', str(a.threads),
                              '-c', str(max(BATCH_SIZES) * 256), '-b', '2048', '-ub', '512', '-npp', '128', '-ntg', '128',
                              '-npl', ','.join(map(str, BATCH_SIZES)), '--output-format', 'jsonl'])
    for line in out.splitlines():
        if not line.startswith('{'): continue
        r = json.loads(line)
        result[f"batched {r['pl']} seq S_TG"] = r['speed_tg']
        result[f"batched {r['pl']} seq S"] = r['speed']
    result['peak RSS MiB'] = rss / 2**20
    return result


def wall(cmd):
    """Seconds `cmd` takes from start to exit: process start, model load, first token, exit."""
    start = time.monotonic()
    run(cmd)
    return time.monotonic() - start


def first_token(model):
    """Load to first token, each engine as a user starts it, alternating, median of --repetitions:
    `conserve generate` of one token against `llama-batched-bench` of one prompt token and one
    generated token in a 512-token context (the peer build has no llama-cli)."""
    ours_s, theirs_s = [], []
    for _ in range(a.repetitions):
        ours_s.append(wall([a.conserve, 'generate', '--model', model, '--threads', str(a.threads), '--prompt', 'Hello',
                            '--max-tokens', '1', '--temperature', '0']))
        theirs_s.append(wall([os.path.join(a.peer, 'llama-batched-bench'), '-m', model, '-t', str(a.threads), '-tb', str(a.threads),
                              '-c', '512', '-npp', '1', '-ntg', '1', '-npl', '1']))
    return statistics.median(ours_s), statistics.median(theirs_s)


def summary(runs):
    keys = runs[0].keys()
    return {k: (sum(r[k] for r in runs) / len(runs), min(r[k] for r in runs), max(r[k] for r in runs)) for k in keys}


for name in a.models:
    path = model_path(name)
    ours_runs, peer_runs, kernels = [], [], ''
    for _ in range(a.rounds):
        result, kernels, peer = ({}, '', {}) if a.load_only else (*ours(path), theirs(path))
        result['load to first token s'], peer['load to first token s'] = first_token(path)
        ours_runs.append(result)
        peer_runs.append(peer)
    o, t = summary(ours_runs), summary(peer_runs)
    print(f"\n{name} ({os.path.basename(path)}): threads {a.threads}, {a.rounds} round(s) x {a.repetitions} repetitions, "
          f"kernels {kernels}, peer {a.peer}\n")
    print('| test | conserve (min-max) | llama.cpp (min-max) | conserve / llama.cpp |')
    print('| --- | ---: | ---: | ---: |')
    for k in o:
        if k not in t: continue
        (m, lo, hi), (pm, plo, phi) = o[k], t[k]
        unit = '' if k in ('load to first token s', 'peak RSS MiB') else ' tok/s'
        d = 2 if k.endswith(' s') else 1
        print(f"| {k}{unit} | {m:.{d}f} ({lo:.{d}f}-{hi:.{d}f}) | {pm:.{d}f} ({plo:.{d}f}-{phi:.{d}f}) | {m / pm:.2f}× |")
    sys.stdout.flush()
