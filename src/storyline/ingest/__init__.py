"""Ingest stage: read documents from many formats (readers), clean and store them (run)."""
