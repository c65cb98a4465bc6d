#!/usr/bin/env python3
"""Check `conserve logprobs` against the exact float64 forward pass on prompts of your own,
the way Tests/Fixtures/README.md checks the fixture cases: follow the exact greedy path
for --steps tokens (teacher forcing), and at each of those steps compare the exact top-10
log-probabilities with the engine's.

    pip install numpy gguf
    python3 scripts/accuracy_sweep.py [--steps 8] [--prompts FILE.jsonl]   # lines: {"prompt": "..."}
"""
import argparse, json, os, subprocess, sys
import numpy as np

here = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, here)
import exact_reference as ref  # noqa: E402

ap = argparse.ArgumentParser()
ap.add_argument('--model', default=os.path.expanduser('~/.cache/conserve/models/SmolLM2-135M-Instruct.Q4_1.gguf'))
ap.add_argument('--conserve', default=os.path.join(here, '..', '.build', 'release', 'conserve'))
ap.add_argument('--steps', type=int, default=8)
ap.add_argument('--prompts')
a = ap.parse_args()

chat = lambda q: f"<|im_start|>system\nYou are a helpful AI assistant named SmolLM, trained by Hugging Face<|im_end|>\n<|im_start|>user\n{q}<|im_end|>\n<|im_start|>assistant\n"
prompts = [json.loads(l)['prompt'] for l in open(a.prompts)] if a.prompts else [
    'The quick brown fox', 'In 1492, Columbus', 'import numpy as np\n', 'Water boils at',
    'My favourite food is', 'The theory of relativity', 'def quicksort(arr):', 'Paris is the capital of',
    chat('What is 7 times 8?'), chat('Tell me a joke about cats.'), chat('Translate "good morning" to French.'),
    chat('Explain photosynthesis in one sentence.'),
]
cfg, W = ref.load(a.model)
worst = 0.0; total_mean = []
for prompt in prompts:
    ids = json.loads(subprocess.run([a.conserve, 'tokenize', '--special', prompt], capture_output=True, text=True, check=True).stdout)
    path, exact_steps = [], []
    for _ in range(a.steps):
        row = ref.forward(cfg, W, ids + path)[-1]
        lp = row - (np.log(np.exp(row - row.max()).sum()) + row.max())
        top = np.argsort(-lp)[:10]
        exact_steps.append([(int(t), float(lp[t])) for t in top])
        path.append(int(top[0]))
    rows = json.loads(subprocess.run([a.conserve, 'logprobs', '--top', '200'], input=json.dumps(ids + path),
                                     capture_output=True, text=True, check=True).stdout)
    diff, mismatched = 0.0, 0
    for s, exact in enumerate(exact_steps):
        engine = dict((int(t), lp) for t, lp in rows[len(ids) - 1 + s])
        margin = exact[0][1] - exact[1][1]
        if margin >= 0.5 and rows[len(ids) - 1 + s][0][0] != exact[0][0]: mismatched += 1
        diff = max(diff, max(abs(engine.get(t, -1e9) - lp) for t, lp in exact))
    worst = max(worst, diff)
    total_mean.append(np.mean([abs(dict((int(t), lp) for t, lp in rows[len(ids) - 1 + s]).get(t, -1e9) - lp) for s, ex in enumerate(exact_steps) for t, lp in ex]))
    print(f'{diff:.4f} max |engine - exact|, {mismatched} top-token mismatches (margin >= 0.5): {prompt[-40:]!r}', flush=True)
print(f"worst {worst:.4f} mean {np.mean(total_mean):.4f}")
