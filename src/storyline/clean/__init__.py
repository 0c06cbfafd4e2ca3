"""clean stage: boilerplate removal and metadata for raw documents (see :class:`Cleaner`)."""
from storyline.clean.cleaner import Cleaner, content_hash

__all__ = ["Cleaner", "content_hash"]
