"""dedup stage: link syndicated, reposted and machine-rewritten copies to their original."""
from storyline.dedup.index import DedupIndex, DuplicateInfo, find_duplicates

__all__ = ["DedupIndex", "DuplicateInfo", "find_duplicates"]
