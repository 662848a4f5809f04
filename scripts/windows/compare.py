#!/usr/bin/env python3
"""Compare two xxgk output folders' Parquet products row for row (DuckDB, `pip install duckdb`):
used to check that the Windows executable under wine writes the same facts as the Linux build.

usage: scripts/windows/compare.py OUT_A OUT_B   (exit 1 on any difference)"""
import sys
import duckdb

a, b = sys.argv[1], sys.argv[2]
failed = False
for product in ["facts", "reports", "rollup", "rollup_wide"]:
    q = lambda d: f"read_parquet('{d}/parquet/{product}/**/*.parquet', union_by_name=true)"
    con = duckdb.connect()
    na = con.execute(f"select count(*) from {q(a)}").fetchone()[0]
    nb = con.execute(f"select count(*) from {q(b)}").fetchone()[0]
    only_a = con.execute(f"select count(*) from (select * from {q(a)} except all select * from {q(b)})").fetchone()[0]
    only_b = con.execute(f"select count(*) from (select * from {q(b)} except all select * from {q(a)})").fetchone()[0]
    print(f"{product}: {na} rows vs {nb} rows; only in first {only_a}, only in second {only_b}")
    failed |= na != nb or only_a or only_b
sys.exit(1 if failed else 0)
