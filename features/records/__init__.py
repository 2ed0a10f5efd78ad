"""The shared credit records.

Schema, identifiers, kinds, windows, validation, ingestion and the synthetic city.
"""
