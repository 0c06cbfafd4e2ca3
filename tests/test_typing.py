"""The learned event typer (extract.classifier) and the typing evaluation, on invented sentences."""
from __future__ import annotations

from importlib import resources
from pathlib import Path

import pytest

from storyline.evaluation.halves import halves
from storyline.evaluation.typing import NONE, score
from storyline.extract.classifier import load_model
from storyline.nlp.analyze import analyze_text

CASE = Path(__file__).resolve().parents[2] / "shared" / "eval" / "case2021-dev"


def first(text: str):
    mentions = analyze_text("t", text, "2024-03-01").event_mentions
    assert mentions, f"no mention in {text!r}"
    return mentions[0]


def test_model_ships_small_with_every_label():
    model = load_model()
    assert model is not None
    acled = model.stages["sparse"]["acled"].labels
    assert None in acled and len(acled) == 26 and "Armed clash" in acled and "Suicide bomb" in acled
    assert len(model.stages["full"]["plover"].labels) == 17
    size = resources.files("storyline.data").joinpath("typing/model.npz").stat().st_size
    assert size < 3_000_000


@pytest.mark.parametrize("text,sub_event", [
    ("Rebel fighters attacked an army outpost near the border and the soldiers fought back for three hours.", "Armed clash"),
    ("Gunmen on motorbikes stormed a farming village at dawn and shot dead eleven residents.", "Attack"),
    ("Hundreds of nurses marched peacefully through the capital to demand better pay.", "Peaceful protest"),
])
def test_sentence_context_decides_the_acled_type(text, sub_event):
    m = first(text)
    assert m.acled_sub_event_type == sub_event, (m.trigger, m.type, m.acled_sub_event_type)
    assert 0.0 < m.extra["type_score"] <= 1.0


def test_a_disaster_is_outside_acled():
    m = first("A powerful earthquake struck the mountain province on Sunday, killing at least 30 people.")
    assert m.acled_sub_event_type is None and m.acled_event_type is None
    assert m.type not in ("airstrike", "shelling", "ied")


def test_a_key_follows_the_acled_answer():
    m = first("Gunmen on motorbikes stormed a farming village at dawn and shot dead eleven residents.")
    assert m.type in ("killing", "assault")


def test_halves_alternate_within_each_label():
    assert halves(["x", "y", "x", "x", "y"]) == ["a", "a", "b", "a", "b"]


def test_typing_scores():
    pairs = [("Attack", "Attack"), ("Attack", NONE), ("Armed clash", "Attack"), (NONE, NONE), (NONE, "Grenade")]
    s = score(pairs)
    assert s["accuracy"] == 0.4
    assert s["f1_by_type"] == {"Armed clash": 0.0, "Attack": 0.5}
    assert s["macro_f1"] == 0.25 and s["none_rate_outside_acled"] == 0.5


@pytest.mark.skipif(not CASE.is_dir(), reason="needs ../shared/eval/case2021-dev")
def test_eval_typing_reports_both_halves():
    from storyline.evaluation.typing import evaluate_typing

    tiny = CASE / "snippets.jsonl"
    out = evaluate_typing(tiny)
    assert {"all", "half_a", "half_b"} <= set(out)
    assert out["half_a"]["n"] + out["half_b"]["n"] == out["all"]["n"]
    assert out["all"]["macro_f1"] > 0.4
