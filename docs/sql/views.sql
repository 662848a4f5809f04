-- DuckDB views over an xxgk output folder: run from inside it (`cd outputs && duckdb -init ../docs/sql/views.sql`,
-- or `duckdb.connect().execute(open('views.sql').read())` with the output folder as working directory).
-- Every view reads the Parquet where it lies; nothing is copied. See docs/outputs.md for the columns.

-- Every division and the nation, with its prefecture and province (parquet/dim/regions.parquet).
CREATE OR REPLACE VIEW regions AS
SELECT * FROM read_parquet('parquet/dim/regions.parquet');

-- Every metric of both formats and the derived indicators, with label, unit and section.
CREATE OR REPLACE VIEW metrics AS
SELECT * FROM read_parquet('parquet/dim/metrics.parquet');

-- One row per reported cell, with the metric's Chinese label and the region's prefecture and
-- province names: filter on province_name = '新疆维吾尔自治区' without a join.
CREATE OR REPLACE VIEW facts_labelled AS
SELECT f.region_code, f.region_name, f.region_level,
       f.prefecture_code, r.prefecture_name, f.province_code, r.province_name,
       f.year, f.body, f.body_kind, f.format,
       f.metric, m.label_zh, f.value, f.unit, m.section,
       f.source_file, f.source_line
FROM read_parquet('parquet/facts/year=*/*.parquet', hive_partitioning = true) AS f
LEFT JOIN regions AS r ON r.code = f.region_code
LEFT JOIN metrics AS m ON m.metric = f.metric;

-- The long rollup (every level, year and scope), with names and labels.
CREATE OR REPLACE VIEW rollup_labelled AS
SELECT u.region_code, u.region_name, u.region_level, u.parent_code, p.name AS parent_name,
       u.prefecture_code, r.prefecture_name, u.province_code, r.province_name,
       u.year, u.scope, u.metric, m.label_zh, m.unit,
       u.value, u.n_reports, u.coverage, u.yoy_change, u.yoy_pct, u.share_of_parent, u.rank_in_parent
FROM read_parquet('parquet/rollup/level=*/*.parquet') AS u
LEFT JOIN regions AS r ON r.code = u.region_code
LEFT JOIN regions AS p ON p.code = u.parent_code
LEFT JOIN metrics AS m ON m.metric = u.metric;

-- Who reported: one row per prefecture, province and the nation, year and scope.
CREATE OR REPLACE VIEW coverage AS
SELECT * FROM read_parquet('parquet/coverage/coverage.parquet');

-- Whom to chase: county-level units without a government report.
CREATE OR REPLACE VIEW missing AS
SELECT * FROM read_csv('validation/missing.csv', header = true, all_varchar = true);
