"""Loads one source into a DuckDB table (benches/parquet.sh's yardstick).

    python3 benches/duckdb_load.py DB "read_json('exchanges.jsonl')"
"""
import sys

import duckdb

db, source = sys.argv[1], sys.argv[2]
con = duckdb.connect(db)
con.execute(f"CREATE TABLE exchanges AS SELECT * FROM {source}")
con.close()
