"""dedup stage: link syndicated, reposted and machine-rewritten copies to their original."""
from storyline.dedup.index import (
                                   JACCARD,
                                   LEAD_COSINE,
                                   DuplicateInfo,
                                   DuplicateLink,
                                   Signature,
                                   bands,
                                   copies,
                                   exact_kind,
                                   is_rewrite,
                                   jaccard,
                                   link,
                                   order_key,
                                   signature,
)

__all__ = ["JACCARD", "LEAD_COSINE", "DuplicateInfo", "DuplicateLink", "Signature", "bands", "copies", "exact_kind",
           "is_rewrite", "jaccard", "link", "order_key", "signature"]
