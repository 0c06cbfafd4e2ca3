"""The seed articles through the whole pipeline: every required gold event, right articles, the
two US strike events apart, and the Erbil disagreements shown with their sources."""
from conftest import SEEDS, needs

from storyline.evaluation.events import evaluate_events
from storyline.evaluation.seeds import evaluate_seed_mentions
from storyline.nlp.analyze import analyze_text


def test_every_required_seed_event_is_produced_and_checked_against_the_gold():
    result = evaluate_events(needs(SEEDS))
    assert result["passed"] == result["required"] == 3, result["events"]
    # the analyst's checks over every event produced: no split, no swapped sides, no figure from
    # another event, nothing after its articles, nothing the gold lists as not an event
    assert result["analyst_problems"] == []


def test_every_required_seed_event_is_mentioned_with_type_date_place_actors_and_figures():
    result = evaluate_seed_mentions(needs(SEEDS), analyze_text)
    assert result["passed"] == result["required"] == 3, result["events"]
