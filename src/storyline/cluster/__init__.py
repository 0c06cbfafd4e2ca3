"""cluster stage: group event mentions across articles into real-world events, incrementally."""
from storyline.cluster.events import EventIndex, cluster_mentions, main_events
from storyline.cluster.features import MentionFeatures, doc_features

__all__ = ["EventIndex", "MentionFeatures", "cluster_mentions", "doc_features", "main_events"]
