"""Record stores: the interface and its implementations (only here are duckdb and pyspark imported)."""
