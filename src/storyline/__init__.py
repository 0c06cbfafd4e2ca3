"""Storyline: from raw news articles to a deduplicated, source-traced database of events."""

__version__ = "0.1.0"
