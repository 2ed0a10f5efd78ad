"""The shared credit records: schema, identifiers, kinds, windows, validation, ingestion, synthetic city."""
