"""dedup stage: link syndicated, reposted and machine-rewritten copies to their original."""
from storyline.dedup.index import (JACCARD, LEAD_COSINE, DuplicateInfo, DuplicateLink, Signature, bands, copies, exact_kind,
                                   aligned, may_be_rewrite, jaccard, lead_text, link, order_key, sentences, signature)

__all__ = ["JACCARD", "LEAD_COSINE", "DuplicateInfo", "DuplicateLink", "Signature", "bands", "copies", "exact_kind", "aligned",
           "may_be_rewrite", "jaccard", "lead_text", "link", "order_key", "sentences", "signature"]
