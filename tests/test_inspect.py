"""`storyline inspect`: the JSON contract, raw offsets, and awkward inputs that must not break it."""
from __future__ import annotations

import json

from conftest import SEEDS, needs
from typer.testing import CliRunner

from storyline.cli import app

runner = CliRunner()
MENTION_KEYS = {"sentence", "start", "end", "trigger", "type", "acled_event_type", "acled_sub_event_type", "plover_type",
                "status", "role", "actor1", "actor2", "place", "time", "fatalities", "injuries", "victims", "weapon", "said_by"}


def inspect(*args: str, input: str | None = None) -> list[dict]:
    result = runner.invoke(app, ["inspect", *args], input=input)
    assert result.exit_code == 0, result.output
    return [json.loads(line) for line in result.stdout.splitlines()]


def test_raw_offsets_point_into_the_file_and_fields_are_the_contract():
    path = needs(SEEDS) / "003_156b8218a0b301a0.txt"
    (doc,) = inspect(str(path), "--raw", "--published", "2021-02-26")
    raw = path.read_text(encoding="utf-8")
    assert doc["text"] == raw and doc["published"] == "2021-02-26"
    assert {"id", "text", "published", "sentences", "entities", "times", "places", "event_mentions"} <= set(doc)
    for t in doc["times"]:
        assert raw[t["start"]:t["end"]] == t["text"] and {"value", "granularity"} <= set(t)
    for p in doc["places"]:
        assert raw[p["start"]:p["end"]] == p["text"]
        assert {"name", "country_code", "lat", "lon", "geonameid", "precision"} <= set(p)
    assert doc["event_mentions"]
    for m in doc["event_mentions"]:
        assert MENTION_KEYS <= set(m)
        assert raw[m["start"]:m["end"]] == m["trigger"]
    thursday = [t for t in doc["times"] if t["text"].startswith("Thursday")]
    assert thursday and thursday[0]["value"].startswith("2021-02-25")
    killed = [m for m in doc["event_mentions"] if m["fatalities"] == 1]
    assert killed and killed[0]["injuries"] == 9


def test_many_short_jsonl_documents_in_one_call():
    lines = [json.dumps({"id": f"d{i}", "text": f"Police arrested {i + 2} protesters in Nairobi on Monday.", "published": "2024-07-10"})
             for i in range(40)]
    docs = inspect("-", "--jsonl-input", input="\n".join(lines) + "\n")
    assert [d["id"] for d in docs] == [f"d{i}" for i in range(40)]
    assert all(d["places"] and d["places"][0]["name"] == "Nairobi" for d in docs)
    assert all(any(t["value"] == "2024-07-08" for t in d["times"]) for d in docs)


def test_awkward_inputs_give_sensible_output():
    sentence = "Rebels attacked an army post near Goma on Tuesday, killing three soldiers, the army said. "
    recs = [
        {"id": "empty", "text": "", "published": "2024-05-02"},
        {"id": "blob", "text": "x" * 1_000_000, "published": "2024-05-02"},
        {"id": "long", "text": sentence * 2200, "published": "2024-05-02"},
        {"id": "caps", "text": "REBELS KILL THREE SOLDIERS IN ATTACK ON ARMY POST NEAR GOMA", "published": "2024-05-02"},
        {"id": "fr", "text": "Des rebelles ont attaqué mardi un poste de l'armée près de Goma, tuant trois soldats, a indiqué l'armée.",
         "published": "2024-05-02"},
    ]
    docs = {d["id"]: d for d in inspect("-", "--jsonl-input", input="\n".join(json.dumps(r) for r in recs) + "\n")}
    assert docs["empty"]["event_mentions"] == [] and docs["empty"]["sentences"] == []
    assert docs["blob"]["event_mentions"] == [] and len(docs["blob"]["text"]) == 1_000_000
    long = docs["long"]
    assert len(long["text"]) > 190_000 and len(long["sentences"]) >= 2000
    assert all(long["text"][m["start"]:m["end"]] == m["trigger"] for m in long["event_mentions"])
    assert sum(1 for m in long["event_mentions"] if m["fatalities"] == 3) >= 2000
    caps = docs["caps"]
    assert [p["name"] for p in caps["places"]] == ["Goma"] and caps["places"][0]["text"] == "GOMA"
    assert any(m["fatalities"] == 3 and m["trigger"] == "ATTACK" for m in caps["event_mentions"])
    assert docs["fr"]["language"] == "fr" and docs["fr"]["event_mentions"] == [] and docs["fr"]["warnings"]


def test_a_headline_and_a_bulleted_summary_are_separate_sentences():
    text = ("Rebels seize border town in overnight raid\n- Rebels captured the town of Tessit on Sunday.\n"
            "- The army said it would retake it.\n\nFull story follows.")
    (doc,) = inspect("--jsonl-input", "-", input=json.dumps({"id": "b", "text": text, "published": "2023-05-02"}))
    firsts = [doc["text"][s["start"]:s["end"]].strip() for s in doc["sentences"]]
    assert firsts[0].startswith("Rebels seize") and not any("Rebels captured" in f for f in firsts[:1])
    assert any(f.startswith("Rebels captured") for f in firsts) and any(f.startswith("The army said") for f in firsts)
    assert doc["text"] == text  # the text and its offsets are the input's, bullets and all
