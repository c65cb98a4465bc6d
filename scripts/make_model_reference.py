#!/usr/bin/env python3
"""Writes a model's reference fixture (Tests/Fixtures/<name>-reference.json) from two independent
sources, offline, once; the tests read the fixture and never run llama.cpp or numpy.

  - llama.cpp's own tools (scripts/build-llama-cpp.sh builds them):
    `llama-tokenize` for token ids, `llama-server --jinja` (POST /apply-template) for the chat
    template's rendering (of plain conversations, and of conversations with tools, tool calls
    and tool results: `chat_template_tools`), and `llama-server` (POST /completion, temperature 0, n_probs) for its
    greedy path and its top-10 log-probabilities at each step;
  - the exact float64 forward pass of scripts/exact_reference.py, for the exact greedy path.

    BIN=$(scripts/build-llama-cpp.sh)
    python3 scripts/make_model_reference.py --model MODEL.gguf --peer "$BIN" --out Tests/Fixtures/NAME-reference.json

`--tool-templates-only` renders just the tool conversations into an existing fixture.
Needs `pip install numpy gguf` for the exact part. Stages are cached in --work, so a rerun
only redoes what is missing.
"""
import argparse, hashlib, json, os, subprocess, sys, time, urllib.request

here = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, here)

ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
ap.add_argument('--model', required=True)
ap.add_argument('--peer', help="folder with llama.cpp's llama-tokenize and llama-server")
ap.add_argument('--out', required=True)
ap.add_argument('--work', default='/tmp/model-reference')
ap.add_argument('--steps', type=int, default=16, help='greedy steps per generate case')
ap.add_argument('--port', type=int, default=8097)
ap.add_argument('--threads', type=int, default=2)
ap.add_argument('--exact-only', nargs='*', help='only the exact paths of these JSON id lists (to start it early)')
ap.add_argument('--tool-templates-only', action='store_true',
                help='only (re)render the tool conversations into the existing --out fixture (chat_template_tools)')
a = ap.parse_args()
os.makedirs(a.work, exist_ok=True)

TEXTS = [
    "Hello, world!", "  leading spaces and trailing  ", "The quick brown fox jumps over the lazy dog.",
    "def add(a, b):\n    return a + b\n", "Numbers: 1234567890 and 3.14159", "naïve café — résumé",
    "日本語のテキスト", "emoji 🤖🚀 end", "tabs\tand\nnewlines\r\n\n\nend", "don't won't I'm you're they've",
    "<|im_start|>user\nhi<|im_end|>", "    for i in range(10):\n        print(i ** 2)",
    "SELECT id, name FROM users WHERE age >= 21;",
]
CONVERSATIONS = [
    [{"role": "user", "content": "What is 2+2?"}],
    [{"role": "system", "content": "You are a terse assistant."}, {"role": "user", "content": "Name a prime number."}],
    [{"role": "user", "content": "Write hello world in C."}, {"role": "assistant", "content": "printf(\"hello world\\n\");"},
     {"role": "user", "content": "Now in Python."}],
]
# Conversations with tools, as OpenAI requests (messages with tool calls and results, tools): the
# template's own rendering of tools, through llama-server's /apply-template. Tool descriptions are
# all given: llama.cpp writes a missing one as "", transformers (and this engine) leave it out.
WEATHER = {"type": "function", "function": {
    "name": "get_weather", "description": "Current weather in a city",
    "parameters": {"type": "object", "properties": {"city": {"type": "string", "description": "City name"},
                                                    "unit": {"type": "string", "enum": ["c", "f"]}},
                   "required": ["city"]}}}
TIME = {"type": "function", "function": {
    "name": "get_time", "description": "Local time in a time zone, as HH:MM",
    "parameters": {"type": "object", "properties": {"zone": {"type": "string"}}, "required": ["zone"],
                   "additionalProperties": False}}}
TOOL_CONVERSATIONS = [
    {"messages": [{"role": "user", "content": "What is the weather in Paris?"}], "tools": [WEATHER]},
    {"messages": [{"role": "user", "content": "What is the weather in Paris?"},
                  {"role": "assistant", "content": None, "tool_calls": [
                      {"id": "call_1", "type": "function",
                       "function": {"name": "get_weather", "arguments": "{\"city\": \"Paris\", \"unit\": \"c\"}"}}]},
                  {"role": "tool", "tool_call_id": "call_1", "content": "18 C and sunny"}],
     "tools": [WEATHER]},
    {"messages": [{"role": "system", "content": "You are a travel assistant."},
                  {"role": "user", "content": "Weather and time in Zürich and Tokyo?"},
                  {"role": "assistant", "content": "Let me look.", "tool_calls": [
                      {"id": "call_a", "type": "function",
                       "function": {"name": "get_weather", "arguments": "{\"city\":\"Zürich\",\"unit\":\"c\"}"}},
                      {"id": "call_b", "type": "function",
                       "function": {"name": "get_time", "arguments": "{\"zone\":\"Asia/Tokyo\"}"}}]},
                  {"role": "tool", "tool_call_id": "call_a", "content": "9 C, rain"},
                  {"role": "tool", "tool_call_id": "call_b", "content": "21:05"},
                  {"role": "assistant", "content": "Zürich: 9 C and rain. Tokyo: 21:05."},
                  {"role": "user", "content": "Thanks! And Paris?"}],
     "tools": [WEATHER, TIME]},
]
# Generate cases: chat questions go through the template (as rendered by llama.cpp), plain text as is.
CHAT_PROMPTS = ["Write a Python function that returns the square of a number.", "What is 7 times 8?"]
PLAIN_PROMPTS = ["def fibonacci(n):\n", "The capital of France is", "import numpy as np\n\n# compute the mean of an array\n"]


def cached(name, compute):
    path = os.path.join(a.work, name + '.json')
    if os.path.exists(path): return json.load(open(path))
    value = compute()
    json.dump(value, open(path, 'w'))
    return value


def tokenize(text):
    out = subprocess.run([os.path.join(a.peer, 'llama-tokenize'), '-m', a.model, '-p', text, '--ids', '--log-disable'],
                         capture_output=True, text=True, check=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def post(path, body):
    req = urllib.request.Request(f'http://127.0.0.1:{a.port}{path}', data=json.dumps(body).encode(),
                                 headers={'Content-Type': 'application/json'})
    return json.load(urllib.request.urlopen(req, timeout=600))


def with_server(body):
    server = subprocess.Popen([os.path.join(a.peer, 'llama-server'), '-m', a.model, '-t', str(a.threads), '-c', '2048',
                               '-np', '1', '--jinja', '--port', str(a.port)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        for _ in range(600):
            try:
                if json.load(urllib.request.urlopen(f'http://127.0.0.1:{a.port}/health', timeout=2)).get('status') == 'ok': break
            except Exception: time.sleep(0.5)
        return body()
    finally:
        server.terminate(); server.wait()


def llamacpp_part():
    tok = [{'text': t, 'ids': tokenize(t)} for t in TEXTS]
    def served():
        chats = [{'messages': m, 'rendered': post('/apply-template', {'messages': m})['prompt']} for m in CONVERSATIONS]
        prompts = [post('/apply-template', {'messages': [{'role': 'user', 'content': q}]})['prompt'] for q in CHAT_PROMPTS]
        prompts += PLAIN_PROMPTS
        gens = []
        for p in prompts:
            ids = tokenize(p)
            r = post('/completion', {'prompt': ids, 'n_predict': a.steps, 'temperature': 0, 'n_probs': 10,
                                     'cache_prompt': False, 'ignore_eos': True, 'samplers': ['top_k']})
            steps = [{'token': s['id'], 'top': [[t['id'], t['logprob']] for t in s['top_logprobs']]}
                     for s in r['completion_probabilities']]
            gens.append({'prompt': p, 'prompt_ids': ids, 'greedy_ids': [s['token'] for s in steps],
                         'greedy_text': r['content'], 'steps': [{'top': s['top']} for s in steps],
                         'top2_margins': [s['top'][0][1] - s['top'][1][1] for s in steps]})
        return chats, gens
    chats, gens = with_server(served)
    return {'tokenize': tok, 'chat_template': chats, 'generate': gens}


def exact_case(prompt_ids):
    """The exact greedy path from `prompt_ids`: a[steps] tokens, each step's top-2 margin, and
    the top-10 log-probabilities of the first 8 steps."""
    import numpy as np
    import exact_reference as ref
    global weights
    if weights is None: weights = ref.load(a.model)
    cfg, W = weights
    path, margins, steps = [], [], []
    for s in range(a.steps):
        row = ref.forward(cfg, W, prompt_ids + path, last_only=True)[-1]
        lp = row - (np.log(np.exp(row - row.max()).sum()) + row.max())
        top = np.argsort(-lp)[:10]
        margins.append(round(float(lp[top[0]] - lp[top[1]]), 5))
        if s < 8: steps.append({'top': [[int(t), round(float(lp[t]), 5)] for t in top]})
        path.append(int(top[0]))
        print(f'exact: {len(prompt_ids)} prompt ids, step {s}', file=sys.stderr, flush=True)
    return {'greedy_ids': path, 'top2_margins': margins, 'steps': steps}


def tool_template_part():
    return with_server(lambda: [{'request': r, 'rendered': post('/apply-template', r)['prompt']} for r in TOOL_CONVERSATIONS])


weights = None
if a.tool_templates_only:
    fixture = json.load(open(a.out))
    fixture['chat_template_tools'] = tool_template_part()
    json.dump(fixture, open(a.out, 'w'), indent=1, ensure_ascii=False)
    print(f'wrote chat_template_tools into {a.out}')
    sys.exit(0)
if a.exact_only:
    # Lets the slow exact part start before llama.cpp is built, from ids given on the command line.
    for ids in a.exact_only:
        ids = json.loads(ids)
        cached('exact-' + hashlib.sha256(json.dumps(ids).encode()).hexdigest()[:16], lambda: exact_case(ids))
    sys.exit(0)
llama = cached('llamacpp', llamacpp_part)
sha = hashlib.sha256(open(a.model, 'rb').read()).hexdigest()
for g in llama['generate']:
    ids = g['prompt_ids']
    g['exact'] = cached('exact-' + hashlib.sha256(json.dumps(ids).encode()).hexdigest()[:16], lambda: exact_case(ids))
fixture = {'model': os.path.basename(a.model), 'model_sha256': sha,
           'reference': f"llama.cpp tools (llama-tokenize, llama-server --jinja) from {a.peer}, {a.threads} threads, greedy",
           'tokenize': llama['tokenize'], 'chat_template': llama['chat_template'], 'generate': llama['generate'],
           'chat_template_tools': cached('llamacpp-tools', tool_template_part)}
json.dump(fixture, open(a.out, 'w'), indent=1, ensure_ascii=False)
print(f'wrote {a.out}')
