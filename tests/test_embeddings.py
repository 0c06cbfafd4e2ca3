"""Sentence embeddings: shape, unit norms, input order, and meaning over wording."""
from __future__ import annotations

import numpy as np

from storyline.nlp.embeddings import MAX_TOKENS, _tokenizer, embed


def test_paraphrases_are_closer_than_unrelated_sentences() -> None:
    v = embed([
        "Rebels shelled the northern town overnight, killing three civilians.",
        "Three civilians died when insurgents bombarded the town in the north during the night.",
        "The central bank left interest rates unchanged on Wednesday.",
    ])
    assert v.shape == (3, 384) and v.dtype == np.float32
    assert np.allclose(np.linalg.norm(v, axis=1), 1.0, atol=1e-5)
    assert v[0] @ v[1] > 0.7 > 0.3 > v[0] @ v[2]


def test_batching_and_length_sorting_keep_input_order() -> None:
    texts = ["short one.", "a much longer sentence about floods in the river valley " * 3, "mid length text here"]
    together = embed(texts, batch_size=2)
    alone = np.vstack([embed([t]) for t in texts])
    assert np.allclose(together, alone, atol=1e-4)
    assert embed([]).shape == (0, 384)


def test_long_texts_are_truncated_not_rejected() -> None:
    enc = _tokenizer().encode("word " * 2000)
    assert len(enc.ids) == MAX_TOKENS
    assert embed(["word " * 2000]).shape == (1, 384)
