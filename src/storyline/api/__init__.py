"""Serving stage: a read-only REST API and web page over a store."""
