#!/usr/bin/env python3
"""Compare `conserve logprobs` with the exact float64 reference in Tests/Fixtures.

For every generate case of smollm2-reference.json, feeds prompt_ids + exact.greedy_ids to
`conserve logprobs --top 10` and reports, per case, the largest difference between the
engine's log-probabilities and the exact top-10 at the first 8 steps, and whether the
engine's top token matches the exact one wherever the exact top-2 margin is >= 0.5.

    python3 scripts/check_reference.py [--conserve .build/release/conserve] [--fixture PATH]
"""
import argparse, json, os, subprocess, sys

here = os.path.dirname(os.path.abspath(__file__))
ap = argparse.ArgumentParser()
ap.add_argument('--conserve', default=os.path.join(here, '..', '.build', 'release', 'conserve'))
ap.add_argument('--fixture', default=os.path.join(here, '..', 'Tests', 'Fixtures', 'smollm2-reference.json'))
ap.add_argument('--top', type=int, default=50)
ap.add_argument('--model', help='model name or path for conserve (default: the default model)')
args = ap.parse_args()

fixture = json.load(open(args.fixture))
worst, failures = 0.0, 0
for n, case in enumerate(fixture['generate']):
    exact = case['exact']
    ids = case['prompt_ids'] + exact['greedy_ids']
    model = ['--model', args.model] if args.model else []
    out = subprocess.run([args.conserve, 'logprobs', '--top', str(args.top)] + model, input=json.dumps(ids),
                         capture_output=True, text=True, check=True).stdout
    rows = json.loads(out)
    case_worst = 0.0
    for s in range(len(exact['greedy_ids'])):
        row = rows[len(case['prompt_ids']) - 1 + s]
        engine = {int(t): lp for t, lp in row}
        if exact['top2_margins'][s] >= 0.5 and row[0][0] != exact['greedy_ids'][s]:
            failures += 1
            print(f'case {n} step {s}: top token {row[0][0]}, exact {exact["greedy_ids"][s]}')
        if s < min(8, len(exact['steps'])):
            for t, lp in exact['steps'][s]['top']:
                if int(t) not in engine:
                    print(f'case {n} step {s}: exact top token {t} not in the engine top {args.top}')
                    failures += 1
                    continue
                case_worst = max(case_worst, abs(engine[int(t)] - lp))
    llama = exact.get('llamacpp_max_abs_logprob_diff_on_its_path')
    print(f'case {n}: max |engine - exact| = {case_worst:.4f} (llama.cpp on its own path: {llama})')
    worst = max(worst, case_worst)
    if 'top2_margins' in case:
        # Issue 12's agreement with llama.cpp, on llama.cpp's own greedy path: no step where
        # its top-2 margin is >= 1 nat picks another token; its top-3 within 0.5 of the engine's.
        ids = case['prompt_ids'] + case['greedy_ids']
        rows = json.loads(subprocess.run([args.conserve, 'logprobs', '--top', str(args.top)] + model, input=json.dumps(ids),
                                         capture_output=True, text=True, check=True).stdout)
        llama_worst, confident = 0.0, 0
        for s, margin in enumerate(case['top2_margins']):
            row = rows[len(case['prompt_ids']) - 1 + s]
            engine = {int(t): lp for t, lp in row}
            # llama-server ran with ignore_eos: where the engine's best token ends the answer,
            # llama.cpp's record is of another distribution and path; stop there.
            if row[0][0] in (151643, 151645): break
            if margin >= 1:
                confident += 1
                if row[0][0] != case['greedy_ids'][s]:
                    failures += 1
                    print(f'case {n} step {s}: top token {row[0][0]}, llama.cpp (margin {margin:.2f}) {case["greedy_ids"][s]}')
            for t, lp in case['steps'][s]['top'][:3]:
                d = abs(engine.get(int(t), -1e9) - lp)
                llama_worst = max(llama_worst, d)
                if d > 0.5:
                    failures += 1
                    print(f'case {n} step {s}: token {t} engine {engine.get(int(t))} llama.cpp {lp}')
        print(f'case {n}: on llama.cpp\'s path, {confident} confident steps, max top-3 |engine - llama.cpp| = {llama_worst:.4f}')
print(f'largest difference {worst:.4f}; {failures} failures')
sys.exit(1 if failures or worst > 0.5 else 0)
