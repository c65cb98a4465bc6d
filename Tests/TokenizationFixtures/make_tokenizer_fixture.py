"""Regenerates tokenizer-crosscheck.json: expected pre-tokenizer splits and SmolLM2 token ids
computed by Hugging Face `tokenizers` (an independent implementation), with the vocabulary
and merges read from the GGUF file (the only vocabulary source here).

    pip install tokenizers gguf
    cd Tests/TokenizationFixtures
    python3 make_tokenizer_fixture.py ~/.cache/conserve/models/SmolLM2-135M-Instruct.Q4_1.gguf
"""
import json
import random
import sys

from gguf import GGUFReader
from tokenizers import Regex, Tokenizer, decoders, models, pre_tokenizers

GPT2 = r"""'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+"""
LLAMA3 = r"""(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+"""
QWEN2 = r"""(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+"""

SPLITTERS = {
    "gpt2": pre_tokenizers.Split(Regex(GPT2), behavior="isolated"),
    "smollm": pre_tokenizers.Sequence([
        pre_tokenizers.Digits(individual_digits=True),
        pre_tokenizers.Split(Regex(GPT2), behavior="isolated"),
    ]),
    "llama3": pre_tokenizers.Split(Regex(LLAMA3), behavior="isolated"),
    "qwen2": pre_tokenizers.Split(Regex(QWEN2), behavior="isolated"),
}

TRICKY = [
    "Hello, world!", "don't won't it's I'm we've they'll he'd", "DON'T WE'VE I'M THEY'LL",
    "'s 'S 'sup x'll '", "1234567890", "a1b22c333d4444", " 12 345 6789 ", "3.14159 and 2,718",
    "line1\n\nline3\r\n", "trailing spaces   ", "   leading", "a  b   c    d", "tabs\tand\t\tspaces",
    "space before newline  \n  next", "\n\n\n", " \n \n ", "\r\n\r\n", "x \t\n y",
    "naïve café — résumé", "日本語のテキスト", "emoji 🤖🚀 end", "👨‍👩‍👧 family", "mixed中文text123",
    "ALLCAPS lowercase MiXeD", "def add(a, b):\n    return a + b\n", "if (x >= 10) { y++; }",
    "email@example.com https://x.org/a?b=c", "$100 + 50% = ???", "¡¿Qué?!", "«quotes» “curly” ‘single’",
    "non\u00a0breaking\u3000ideographic", "superscript² roman Ⅻ arabic ٣٤٥", "combining e\u0301 a\u0308",
    "zero\u200bwidth", "...---...", "a'b'c", "it's'", "''", "!!!\n\n", "word\n", "  \n", "a\u2028b",
]

PIECES = ["the", " quick", "Brown", "fox", "'s", "'LL", " ", "  ", "   ", "\t", "\n", "\r\n", " \n",
          "123", "4", "56789", "3.5", ",", ".", "!?", "()", "{}", "==", "->", "#", "@", "_", "-",
          "é", "ü", "ñ", "ß", "日本", "中文", "한국어", "Привет", "مرحبا", "🤖", "🚀", "👍🏽",
          "\u00a0", "\u3000", "²", "Ⅻ", "٣", "e\u0301", "…", "—", "“", "”", "<", ">", "|", "/"]


def random_strings(n, seed):
    rng = random.Random(seed)
    return ["".join(rng.choice(PIECES) for _ in range(rng.randint(1, 12))) for _ in range(n)]


def smollm_tokenizer(path):
    r = GGUFReader(path)
    tokens = r.fields["tokenizer.ggml.tokens"].contents()
    types = r.fields["tokenizer.ggml.token_type"].contents()
    merges = [tuple(m.split(" ", 1)) for m in r.fields["tokenizer.ggml.merges"].contents()]
    vocab = {t: i for i, t in enumerate(tokens)}
    tok = Tokenizer(models.BPE(vocab=vocab, merges=merges))
    tok.pre_tokenizer = pre_tokenizers.Sequence([
        pre_tokenizers.Digits(individual_digits=True),
        pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=True),
    ])
    tok.decoder = decoders.ByteLevel()
    tok.add_special_tokens([t for t, ty in zip(tokens, types) if ty == 3])
    return tok


def main():
    path = sys.argv[1]
    texts = TRICKY + random_strings(300, seed=7)
    splits = {
        name: [[p for p, _ in sp.pre_tokenize_str(t)] for t in texts]
        for name, sp in SPLITTERS.items()
    }
    tok = smollm_tokenizer(path)
    encode_texts = TRICKY + random_strings(300, seed=11) + ["<|im_start|>user\nhi<|im_end|>\n<|endoftext|>"]
    smollm = [{"text": t, "ids": tok.encode(t, add_special_tokens=False).ids} for t in encode_texts]
    out = {"split_texts": texts, "splits": splits, "smollm_encode": smollm}
    with open("tokenizer-crosscheck.json", "w") as f:
        json.dump(out, f, ensure_ascii=False, indent=0)


if __name__ == "__main__":
    main()
