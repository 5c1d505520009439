#!/usr/bin/env python3
"""Reference sentence embeddings for all-MiniLM-L6-v2, written independently of worker/src/model.

The Rust embedder (burn) is tested against this file's output. Nothing here is shared with the Rust
code: the BERT forward pass is plain numpy in float64, the weights are read with the `safetensors`
package and the text is tokenised with the HF `tokenizers` Python package, with the tokenizer.json's
padding and truncation turned off. A text longer than --max-tokens keeps its first tokens and its
final [SEP]. Each sentence runs alone (no padding), so the mean pooling needs no mask.

Usage: reference_embeddings.py --weights model.safetensors --tokenizer tokenizer.json \
           --sentences worker/tests/sentences.json --max-tokens 256 --out reference.json
"""

import argparse
import hashlib
import json
import math

import numpy as np
from safetensors.numpy import load_file
from tokenizers import Tokenizer

LAYERS = 6
HEADS = 12
LAYER_NORM_EPS = 1e-12

erf = np.vectorize(math.erf)


def layer_norm(x, weight, bias):
    mean = x.mean(axis=-1, keepdims=True)
    var = ((x - mean) ** 2).mean(axis=-1, keepdims=True)
    return (x - mean) / np.sqrt(var + LAYER_NORM_EPS) * weight + bias


def dense(x, w, prefix):
    # PyTorch stores Linear weights as [out, in].
    return x @ w[prefix + ".weight"].T + w[prefix + ".bias"]


def gelu(x):
    return 0.5 * x * (1.0 + erf(x / math.sqrt(2.0)))


def softmax(x):
    e = np.exp(x - x.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def encoder_layer(x, w, prefix):
    n, hidden = x.shape
    head_dim = hidden // HEADS

    def heads(t):
        return t.reshape(n, HEADS, head_dim).transpose(1, 0, 2)

    q = heads(dense(x, w, prefix + "attention.self.query"))
    k = heads(dense(x, w, prefix + "attention.self.key"))
    v = heads(dense(x, w, prefix + "attention.self.value"))
    probs = softmax(q @ k.transpose(0, 2, 1) / math.sqrt(head_dim))
    context = (probs @ v).transpose(1, 0, 2).reshape(n, hidden)
    attended = dense(context, w, prefix + "attention.output.dense")
    x = layer_norm(attended + x, w[prefix + "attention.output.LayerNorm.weight"],
                   w[prefix + "attention.output.LayerNorm.bias"])
    inner = gelu(dense(x, w, prefix + "intermediate.dense"))
    out = dense(inner, w, prefix + "output.dense")
    return layer_norm(out + x, w[prefix + "output.LayerNorm.weight"], w[prefix + "output.LayerNorm.bias"])


def embed(ids, w):
    n = len(ids)
    x = (w["embeddings.word_embeddings.weight"][ids]
         + w["embeddings.position_embeddings.weight"][:n]
         + w["embeddings.token_type_embeddings.weight"][0])
    x = layer_norm(x, w["embeddings.LayerNorm.weight"], w["embeddings.LayerNorm.bias"])
    for layer in range(LAYERS):
        x = encoder_layer(x, w, f"encoder.layer.{layer}.")
    pooled = x.mean(axis=0)
    return pooled / np.linalg.norm(pooled)


def tokenize(tokenizer, text, max_tokens):
    ids = tokenizer.encode(text).ids
    if len(ids) > max_tokens:
        ids = ids[: max_tokens - 1] + ids[-1:]
    return ids


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--weights", required=True)
    parser.add_argument("--tokenizer", required=True)
    parser.add_argument("--sentences", required=True)
    parser.add_argument("--max-tokens", type=int, default=256)
    parser.add_argument("--out", required=True)
    args = parser.parse_args()

    with open(args.weights, "rb") as f:
        model_sha256 = hashlib.sha256(f.read()).hexdigest()
    weights = {name: t.astype(np.float64) for name, t in load_file(args.weights).items() if t.dtype == np.float32}
    tokenizer = Tokenizer.from_file(args.tokenizer)
    tokenizer.no_padding()
    tokenizer.no_truncation()
    with open(args.sentences, encoding="utf-8") as f:
        texts = json.load(f)

    sentences = []
    for text in texts:
        ids = tokenize(tokenizer, text, args.max_tokens)
        vector = embed(np.array(ids), weights)
        sentences.append({"text": text, "tokens": ids, "embedding": [float(v) for v in vector]})
    with open(args.out, "w", encoding="utf-8") as f:
        json.dump({"model_sha256": model_sha256, "max_tokens": args.max_tokens, "sentences": sentences}, f,
                  ensure_ascii=False)


if __name__ == "__main__":
    main()
