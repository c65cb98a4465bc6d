"""Peer benchmark: llama.cpp (through llama-cpp-python's low-level ctypes API).

Measures the same things as llama.cpp's own llama-bench and llama-batched-bench,
so the numbers can be set beside ConServe's Swift benchmark:

  pp512  one llama_decode of 512 random tokens from an empty KV cache, logits for
         the last token only; tok/s = 512 / time.
  tg128  128 single-token llama_decode calls from an empty cache (logits on);
         tok/s = 128 / time.
  batched decode, B seq (128+128), B in 1, 8, 32: prefill B sequences of 128 random
         tokens each (separate seq_ids, not timed), then 128 steps that each decode
         one token per sequence (B tokens per llama_decode, logits on, each at its
         own position and seq_id); tok/s = B*128 / decode time.

Random token ids come from a generator seeded with 42. Every test does one warm-up
run and then --repetitions timed runs, clearing the KV cache before each run; the
mean and standard deviation of tok/s are reported. Flash attention is off;
n_batch = n_ubatch = 512. pp512/tg128 use a one-sequence context (as llama-bench);
the batched tests use a 32-sequence context of n_ctx 8192 with a per-sequence
(non-unified) KV cache, as llama-batched-bench does by default.

Setup and run:
  python3 -m venv /tmp/llamacpp-venv && /tmp/llamacpp-venv/bin/pip install llama-cpp-python
  /tmp/llamacpp-venv/bin/python bench/llamacpp_bench.py --threads 2 [--repetitions 3] [--json]
"""
import argparse, json, os, random, statistics, sys, time
import llama_cpp as L

DEFAULT_MODEL = os.path.expanduser("~/.cache/conserve/models/SmolLM2-135M-Instruct.Q4_1.gguf")
N_BATCH = 512       # n_batch = n_ubatch, as llama-bench's default
PP, TG = 512, 128   # llama-bench test sizes
BATCH_PP, BATCH_TG = 128, 128  # per-sequence prompt and generation lengths
BATCH_SIZES = (1, 8, 32)


@L.llama_log_callback
def _quiet(level, text, user_data):  # no-op log sink; keep a module-level reference
    pass


class Bench:
    def __init__(self, model_path, threads):
        L.llama_log_set(_quiet, None)
        L.llama_backend_init()
        self.model = L.llama_model_load_from_file(model_path.encode(), L.llama_model_default_params())
        if not self.model:
            sys.exit(f"could not load model {model_path}")
        self.threads = threads
        # As llama-bench: one sequence (pp512, tg128).  As llama-batched-bench: 32
        # sequences with a per-sequence (non-unified) KV cache of 128+128 cells each.
        self.ctx_single = self.make_ctx(n_ctx=PP + TG, n_seq=1)
        self.ctx_multi = self.make_ctx(n_ctx=max(BATCH_SIZES) * (BATCH_PP + BATCH_TG), n_seq=max(BATCH_SIZES))
        self.ctx = self.ctx_single
        self.n_vocab = L.llama_vocab_n_tokens(L.llama_model_get_vocab(self.model))
        self.batch = L.llama_batch_init(N_BATCH, 0, 1)  # token batch, 1 seq_id per token
        self.rng = random.Random(42)

    def make_ctx(self, n_ctx, n_seq):
        cp = L.llama_context_default_params()
        cp.n_ctx, cp.n_seq_max = n_ctx, n_seq
        cp.n_batch = cp.n_ubatch = N_BATCH
        cp.n_threads = cp.n_threads_batch = self.threads
        cp.flash_attn_type = L.LLAMA_FLASH_ATTN_TYPE_DISABLED
        cp.kv_unified = False  # llama-batched-bench's default
        ctx = L.llama_init_from_model(self.model, cp)
        if not ctx:
            sys.exit("could not create context")
        return ctx

    def clear(self):
        L.llama_memory_clear(L.llama_get_memory(self.ctx), True)

    def decode(self, items):
        """items: list of (token, pos, seq_id, logits) -> one llama_decode call."""
        b = self.batch
        for i, (tok, pos, seq, out) in enumerate(items):
            b.token[i], b.pos[i], b.n_seq_id[i], b.logits[i] = tok, pos, 1, out
            b.seq_id[i][0] = seq
        b.n_tokens = len(items)
        if L.llama_decode(self.ctx, b) != 0:
            sys.exit("llama_decode failed")

    def tok(self):
        return self.rng.randrange(self.n_vocab)

    # Each run_* clears the cache, does the work and returns (tokens, seconds timed).
    def run_pp(self):
        self.ctx = self.ctx_single
        self.clear()
        items = [(self.tok(), p, 0, p == PP - 1) for p in range(PP)]
        t0 = time.perf_counter()
        self.decode(items)
        L.llama_synchronize(self.ctx)
        return PP, time.perf_counter() - t0

    def run_tg(self):
        self.ctx = self.ctx_single
        self.clear()
        t0 = time.perf_counter()
        for p in range(TG):
            self.decode([(self.tok(), p, 0, True)])
            L.llama_synchronize(self.ctx)
        return TG, time.perf_counter() - t0

    def run_batched(self, n_seq):
        self.ctx = self.ctx_multi
        self.clear()
        # Untimed prefill: all sequences' prompts, chunked into n_batch-token decodes,
        # logits for the last token of the whole batch only (as llama-batched-bench).
        prompt = [(self.tok(), p, s, False) for s in range(n_seq) for p in range(BATCH_PP)]
        prompt[-1] = prompt[-1][:3] + (True,)
        for i in range(0, len(prompt), N_BATCH):
            self.decode(prompt[i:i + N_BATCH])
        L.llama_synchronize(self.ctx)
        t0 = time.perf_counter()
        for step in range(BATCH_TG):
            self.decode([(self.tok(), BATCH_PP + step, s, True) for s in range(n_seq)])
            L.llama_synchronize(self.ctx)
        return n_seq * BATCH_TG, time.perf_counter() - t0

    def measure(self, name, fn, repetitions):
        fn()  # warm-up
        runs = [fn() for _ in range(repetitions)]
        rates = [n / s for n, s in runs]
        return {"test": name,
                "tokensPerSecond": statistics.mean(rates),
                "standardDeviation": statistics.stdev(rates) if len(rates) > 1 else 0.0,
                "seconds": statistics.mean(s for _, s in runs)}

    def close(self):
        L.llama_batch_free(self.batch)
        L.llama_free(self.ctx_single)
        L.llama_free(self.ctx_multi)
        L.llama_model_free(self.model)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--model", default=DEFAULT_MODEL)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--repetitions", type=int, default=3)
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()

    bench = Bench(args.model, args.threads)
    tests = [("pp512", bench.run_pp), ("tg128", bench.run_tg)]
    tests += [(f"batched decode, {b} seq ({BATCH_PP}+{BATCH_TG})", lambda b=b: bench.run_batched(b))
              for b in BATCH_SIZES]
    results = [bench.measure(name, fn, args.repetitions) for name, fn in tests]
    bench.close()

    peer = f"llama.cpp (llama-cpp-python {L.__version__})" if hasattr(L, "__version__") else "llama.cpp"
    if args.json:
        print(json.dumps({"peer": peer, "threads": args.threads, "results": results}, indent=2))
        return
    print(f"{peer}, {args.threads} threads, {args.repetitions} repetitions")
    print("| test | tok/s |")
    print("|---|---:|")
    for r in results:
        print(f"| {r['test']} | {r['tokensPerSecond']:.2f} ± {r['standardDeviation']:.2f} |")


if __name__ == "__main__":
    main()
