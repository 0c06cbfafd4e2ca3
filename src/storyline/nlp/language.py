"""Language identification shared by cleaning and analysis, so an article's stored language and
the analysis's decision to extract from it never disagree."""
from __future__ import annotations

import functools

from py3langid.langid import MODEL_FILE, LanguageIdentifier

MIN_LANGUAGE_CHARS = 40  # shorter texts are too short to judge their language


@functools.lru_cache(maxsize=1)
def _identifier() -> LanguageIdentifier:
    return LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)


def detect_language(text: str) -> str:
    """ISO 639 code of the text's language. English unless another language is clearly more likely:
    short English news lines often score as English-based creoles, so any fair English score wins."""
    sample = text[:5000]
    if len(sample.strip()) < MIN_LANGUAGE_CHARS:
        return "en"
    if sample.isupper():  # all-caps headlines confuse character n-gram models
        sample = sample.lower()
    ranked = _identifier().rank(sample)
    top, p = ranked[0]
    english = next((q for lang, q in ranked if lang == "en"), 0.0)
    return "en" if top == "en" or english >= 0.2 or p < 0.5 else top
