"""Record stores: the interface and its implementations.

Only here are duckdb and pyspark imported.
"""
