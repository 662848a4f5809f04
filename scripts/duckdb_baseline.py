"""DuckDB doing the plain work xxgk does, without validation: read the same CSV files, join to the
division table, write Hive-partitioned Parquet, and compute the same level sums. Bench only: DuckDB is
not a dependency of xxgk or its tests. `union_by_name` only when told the files' headers differ (it
makes DuckDB read every file's header first, which plain `read_csv` does not); the caller knows
(`xxgk synth` writes one header per layout), so the timed work does not include finding out.

usage: python3 scripts/duckdb_baseline.py INPUT_DIR OUT_DIR long|wide REGIONS_CSV [union]
"""
import glob
import sys

import duckdb

src, out, layout, regions_csv = sys.argv[1:5]
con = duckdb.connect()
con.execute(f"CREATE TABLE regions AS SELECT * FROM read_csv('{regions_csv}', all_varchar = true)")
# DuckDB keeps every file of one read_csv open at once, and this machine allows 20,000 open files:
# the 28,460-file per-report set is read in batches into one table (the same work, in parts).
files = sorted(glob.glob(f"{src}/**/*.csv", recursive=True))
union = ", union_by_name = true" if sys.argv[5:6] == ["union"] else ""
BATCH = 5000
for i in range(0, len(files), BATCH):
    batch = files[i : i + BATCH]
    source = f"read_csv({batch!r}{union}, all_varchar = true)"
    if layout == "long":
        select = f"""SELECT lpad(CAST(region_code AS VARCHAR), 6, '0') AS region_code,
               CAST(year AS INTEGER) AS year, body, metric, TRY_CAST(value AS DOUBLE) AS value
        FROM {source}"""
    else:
        select = f"""SELECT lpad(region_code, 6, '0') AS region_code, CAST(year AS INTEGER) AS year, body,
               metric, TRY_CAST(value AS DOUBLE) AS value
        FROM (UNPIVOT (SELECT * FROM {source}) ON COLUMNS(* EXCLUDE (region_code, region_name, year, body))
              INTO NAME metric VALUE value)"""
    if i == 0:
        con.execute(f"CREATE TABLE cells AS {select}")
    else:
        con.execute(f"INSERT INTO cells {select}")
# Join to the division table: the region's prefecture and province, as xxgk's facts carry them.
con.execute(
    """CREATE TABLE facts AS
    SELECT c.*, r.name AS region_name, r.level AS region_level,
           CASE WHEN r.level = 'prefecture' THEN r.code
                WHEN p.level = 'prefecture' THEN p.code END AS prefecture_code,
           CASE WHEN r.level = 'province' THEN r.code
                WHEN p.level = 'province' THEN p.code ELSE p.parent_code END AS province_code
    FROM cells c JOIN regions r ON r.code = c.region_code
    LEFT JOIN regions p ON p.code = r.parent_code"""
)
con.execute(f"COPY facts TO '{out}/facts' (FORMAT parquet, PARTITION_BY (year), OVERWRITE_OR_IGNORE true)")
levels = {
    "county": "region_code",
    "prefecture": "prefecture_code",
    "province": "province_code",
    "national": "'000000'",
}
for level, key in levels.items():
    where = "WHERE region_level = 'county'" if level == "county" else (
        "WHERE prefecture_code IS NOT NULL" if level == "prefecture" else "")
    con.execute(
        f"""COPY (SELECT {key} AS region_code, year, metric, sum(coalesce(value, 0)) AS value,
                        count(*) AS n_reports
                 FROM facts {where} GROUP BY ALL ORDER BY ALL)
            TO '{out}/rollup-{level}.parquet' (FORMAT parquet)"""
    )
n = con.execute("SELECT count(*) FROM facts").fetchone()[0]
print(f"duckdb: {n} cells")
