-- xxgk's rollup in plain SQL over `parquet/facts`, for a cluster: county → prefecture → province →
-- nation sums in each scope (body_kind), year-over-year change and the five ratio indicators. Written
-- in the subset DuckDB and Spark SQL share (no QUALIFY, no FILTER, no list functions), so the same
-- text runs on one machine or many; `tests/duckdb_views.rs` runs it with DuckDB on the demo's output
-- and on a 2019–2022 set of every scope (both formats, governments, departments, townships), and
-- compares every value and year-over-year change with xxgk's own rollup. Run from inside the output folder; on Spark,
-- register `facts` as a view over the same Parquet files first and drop the first statement.
-- (docs/performance.md, "Beyond one machine", says when this is worth it.)

CREATE OR REPLACE VIEW facts AS
SELECT * FROM read_parquet('parquet/facts/year=*/*.parquet', hive_partitioning = true);

-- Each report's own cells and the harmonized cells its format computes from them
-- (src/reference/catalog/harmonized.rs): a 2021 report's three （六） sub-rows also count, summed,
-- as requests.other_total.*; a 2019 report's 规范性文件 本年新制作数量 as normative_docs.issued.
-- An amount whose unit the format does not state (2019's 采购总金额) is not summed. Null counts as 0.
CREATE OR REPLACE VIEW rollup_cells AS
SELECT region_code, region_level, prefecture_code, province_code, year, body_kind AS scope,
       metric, COALESCE(value, 0) AS value
FROM facts
WHERE unit <> '未注明'
UNION ALL
SELECT region_code, region_level, prefecture_code, province_code, year, body_kind AS scope,
       CASE WHEN metric = 'normative_docs.made' THEN 'normative_docs.issued'
            ELSE concat('requests.other_total.', regexp_extract(metric, '[^.]+$', 0)) END AS metric,
       COALESCE(value, 0) AS value
FROM facts
WHERE metric = 'normative_docs.made'
   OR metric LIKE 'requests.other.overdue_correction.%'
   OR metric LIKE 'requests.other.unpaid_fee.%'
   OR metric LIKE 'requests.other.other.%';

-- Sums at every level, each scope on its own: a county's own reports; a prefecture's counties and
-- its own reports; a province's everything; the nation.
CREATE OR REPLACE VIEW rollup_sums AS
SELECT 'county' AS level, region_code, year, scope, metric, SUM(value) AS value
FROM rollup_cells WHERE region_level = 'county'
GROUP BY region_code, year, scope, metric
UNION ALL
SELECT 'prefecture', prefecture_code, year, scope, metric, SUM(value)
FROM rollup_cells WHERE prefecture_code IS NOT NULL
GROUP BY prefecture_code, year, scope, metric
UNION ALL
SELECT 'province', province_code, year, scope, metric, SUM(value)
FROM rollup_cells
GROUP BY province_code, year, scope, metric
UNION ALL
SELECT 'national', '000000', year, scope, metric, SUM(value)
FROM rollup_cells
GROUP BY year, scope, metric;

-- The ratios, from the sums (a ratio of sums, never a mean of ratios); null where the denominator
-- is 0. A region gets them when it has any of their parts.
CREATE OR REPLACE VIEW rollup_ratios AS
SELECT level, region_code, year, scope, 'requests.disclosure_rate' AS metric,
       CASE WHEN SUM(CASE WHEN metric = 'requests.closed_total.total' THEN value ELSE 0 END) = 0 THEN NULL
            ELSE SUM(CASE WHEN metric IN ('requests.disclosed.total', 'requests.partially_disclosed.total') THEN value ELSE 0 END)
               / SUM(CASE WHEN metric = 'requests.closed_total.total' THEN value ELSE 0 END) END AS value
FROM rollup_sums
WHERE metric IN ('requests.disclosed.total', 'requests.partially_disclosed.total', 'requests.closed_total.total')
GROUP BY level, region_code, year, scope
UNION ALL
SELECT level, region_code, year, scope, 'requests.org_share',
       CASE WHEN SUM(CASE WHEN metric = 'requests.received.total' THEN value ELSE 0 END) = 0 THEN NULL
            ELSE SUM(CASE WHEN metric IN ('requests.received.commercial', 'requests.received.research',
                                          'requests.received.social_welfare', 'requests.received.legal_services',
                                          'requests.received.other_org') THEN value ELSE 0 END)
               / SUM(CASE WHEN metric = 'requests.received.total' THEN value ELSE 0 END) END
FROM rollup_sums
WHERE metric IN ('requests.received.commercial', 'requests.received.research', 'requests.received.social_welfare',
                 'requests.received.legal_services', 'requests.received.other_org', 'requests.received.total')
GROUP BY level, region_code, year, scope
UNION ALL
SELECT level, region_code, year, scope, concat(split_part(metric, '.', 1), '.correction_rate'),
       CASE WHEN SUM(CASE WHEN metric LIKE '%.total' THEN value ELSE 0 END) = 0 THEN NULL
            ELSE SUM(CASE WHEN metric LIKE '%.corrected' THEN value ELSE 0 END)
               / SUM(CASE WHEN metric LIKE '%.total' THEN value ELSE 0 END) END
FROM rollup_sums
WHERE metric IN ('review.corrected', 'review.total', 'litigation_direct.corrected', 'litigation_direct.total',
                 'litigation_after_review.corrected', 'litigation_after_review.total')
GROUP BY level, region_code, year, scope, split_part(metric, '.', 1);

-- Sums and ratios with the change on the year before (null without that year or its value).
CREATE OR REPLACE VIEW rollup_sql AS
WITH v AS (SELECT * FROM rollup_sums UNION ALL SELECT * FROM rollup_ratios)
SELECT v.level, v.region_code, v.year, v.scope, v.metric, v.value,
       v.value - p.value AS yoy_change,
       CASE WHEN p.value <> 0 THEN (v.value - p.value) / p.value * 100 END AS yoy_pct
FROM v
LEFT JOIN v AS p
  ON p.level = v.level AND p.region_code = v.region_code AND p.scope = v.scope
 AND p.metric = v.metric AND p.year = v.year - 1;
