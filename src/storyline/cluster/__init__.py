"""cluster stage: article-level event records, their similarity, and the incremental event engine."""
from storyline.cluster.engine import EventEngine
from storyline.cluster.records import build_records, lead_text, plan_records

__all__ = ["EventEngine", "build_records", "lead_text", "plan_records"]
