"""Snapshots, fitting, validation reports and the MLflow lifecycle."""
