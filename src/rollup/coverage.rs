//! Coverage: how much of a region a total stands for. The 民政部 table says which county-level
//! units lie under each prefecture, province and the nation; the stored reports say which of them
//! reported, each year and scope. A prefecture's 行政许可 summed over 11 of its 12 counties is not
//! the prefecture's: the rollup rows carry `coverage`, `parquet/coverage/` lists who is missing,
//! and `validation/missing.csv` is the analyst's list of whom to chase.
//!
//! Read from `parquet/reports` (one row per report) after the ingest, so that it is the same
//! whether a year was merged again or kept from the last run. A row is written for every
//! prefecture, province and the nation some report of the year lies in (or is the report of), for
//! each scope that has a report somewhere that year: a prefecture whose departments never publish
//! has no department row, rather than a row saying 0 of 12.

use super::tables::{NATIONAL, NATIONAL_NAME};
use crate::model::BodyKind;
use crate::reference::regions::{regions, Level};
use crate::store::parquet_file::{write_parquet, FileMeta};
use crate::support::error::{IoContext, Result};
use crate::support::hash::HashMap;
use arrow::array::{ArrayRef, Float64Array, Int32Array, Int64Array, ListBuilder, StringArray, StringBuilder};
use arrow::record_batch::RecordBatch;
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::sync::Arc;

/// One region's coverage in a year and scope.
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    /// `NATIONAL` (0) for the nation.
    pub code: u32,
    pub level: &'static str,
    pub year: i32,
    pub scope: BodyKind,
    pub expected: usize,
    pub reported: usize,
    /// The county-level units under the region without a report of the scope, by code.
    pub missing: Vec<u32>,
}

impl Row {
    pub fn coverage(&self) -> f64 {
        if self.expected == 0 {
            0.0
        } else {
            self.reported as f64 / self.expected as f64
        }
    }
}

/// A county-level unit without a government report in a year some report of its parent covers
/// (for a unit directly under a province: a report of such a unit or of the province).
#[derive(Debug, Clone, PartialEq)]
pub struct Missing {
    pub code: u32,
    pub parent: u32,
    pub year: i32,
}

/// Every year's coverage rows (by year, level, code, scope) and missing units (by year, code).
#[derive(Debug, Default)]
pub struct Coverage {
    pub rows: Vec<Row>,
    pub missing: Vec<Missing>,
    /// (year, code, scope index) → (reported, expected), counties included (1 of 1).
    by_key: HashMap<(i32, u32, u32), (usize, usize)>,
}

/// The county-level units under each prefecture, province and the nation, ascending.
fn counties_under() -> &'static BTreeMap<u32, Vec<u32>> {
    static UNDER: std::sync::OnceLock<BTreeMap<u32, Vec<u32>>> = std::sync::OnceLock::new();
    UNDER.get_or_init(|| {
        let t = regions();
        let mut m: BTreeMap<u32, Vec<u32>> = BTreeMap::new();
        for c in t.iter().filter(|r| r.level == Level::County) {
            for a in t.chain(c.code).skip(1) {
                m.entry(a.code).or_default().push(c.code);
            }
            m.entry(NATIONAL).or_default().push(c.code);
        }
        m
    })
}

/// The reports of one year: (region code, scope) of each, from `reports/year=YYYY/*.parquet`
/// (read with the parquet crate: only two columns of two hundred).
fn year_reports(reports_dir: &Path, year: i32) -> Result<BTreeSet<(u32, u32)>> {
    use crate::store::dict_read;
    use parquet::arrow::ProjectionMask;
    let dir = reports_dir.join(format!("year={year}"));
    let files = dict_read::parquet_files(&dir)?;
    let mut out = BTreeSet::new();
    for path in &files {
        let builder = dict_read::open(path)?;
        let mask = ProjectionMask::columns(builder.parquet_schema(), ["region_code", "body_kind"]);
        let failed = |source| crate::support::error::Error::ReadParquet { path: path.clone(), source };
        for batch in builder.with_projection(mask).build().map_err(failed)? {
            let batch = batch?;
            let codes =
                dict_read::per_row(&dict_read::strings(&batch, "region_code")?, |c| c.parse::<u32>().ok());
            let kinds = dict_read::per_row(&dict_read::strings(&batch, "body_kind")?, |k| {
                BodyKind::parse(k).map(|k| k.index())
            });
            out.extend(codes.into_iter().zip(kinds).filter_map(|(c, k)| Some((c?, k?))));
        }
    }
    Ok(out)
}

/// Who reported, as the rollup is given it: known, or being made on another thread (`pipeline::
/// ingest_then` makes it while the rollup sums its first year: when it was read back from the
/// reports, on a one-file re-run that was 0.05 s before the rollup could start).
#[derive(Clone, Copy)]
pub enum Given<'a> {
    Known(&'a Coverage),
    /// Set once made.
    Coming(&'a std::sync::OnceLock<Coverage>),
}

impl Given<'_> {
    /// The coverage, waiting for it when it is still being made.
    pub fn get(&self) -> &Coverage {
        match self {
            Given::Known(c) => c,
            Given::Coming(cell) => cell.wait(),
        }
    }
}

impl Coverage {
    /// Coverage of every year with reports under `reports_dir`.
    pub fn of_reports(reports_dir: &Path) -> Result<Coverage> {
        use rayon::prelude::*;
        let mut out = Coverage::default();
        // Each year's reports read on a thread of its own; added in year order.
        let years: Vec<_> = super::compute::years_present(reports_dir)
            .into_par_iter()
            .map(|year| year_reports(reports_dir, year).map(|reports| (year, reports)))
            .collect::<Result<_>>()?;
        for (year, reports) in years {
            out.add_year(year, &reports);
        }
        Ok(out)
    }

    /// Coverage of the years of `reported`: each year's stored reports, (region code, scope
    /// index), as the ingest of the same run knows them. The same as [`Self::of_reports`] on the
    /// reports it wrote, without reading them back: a national one-file re-run read the footers
    /// of every `reports` partition (two hundred columns each) and two of their columns for it.
    /// A year with no stored report has no `reports` partition, so it is left out here too.
    pub fn of_reported(reported: &BTreeMap<i32, BTreeSet<(u32, u32)>>) -> Coverage {
        let mut out = Coverage::default();
        for (&year, reports) in reported.iter().filter(|(_, r)| !r.is_empty()) {
            out.add_year(year, reports);
        }
        out
    }

    /// Add one year from its reports' (region code, scope index).
    pub fn add_year(&mut self, year: i32, reports: &BTreeSet<(u32, u32)>) {
        let t = regions();
        let under = counties_under();
        let mut touched: BTreeSet<u32> = BTreeSet::from([NATIONAL]);
        let mut scopes: BTreeSet<u32> = BTreeSet::new();
        let mut reported: BTreeMap<u32, BTreeSet<u32>> = BTreeMap::new();
        // The parents whose county-level units are chased when missing: a prefecture some report
        // lies in; a province only for the units directly under it (直辖市 districts, 省直辖县),
        // when one of those or the province itself reported, not because a prefecture of it did.
        let mut chased: BTreeSet<u32> = BTreeSet::new();
        for &(code, scope) in reports {
            let Some(region) = t.get(code) else { continue };
            touched.extend(t.chain(code).map(|r| r.code));
            chased.insert(match (region.level, region.parent) {
                (Level::County, Some(p)) => p,
                _ => t.prefecture_of(code).map_or(code, |p| p.code),
            });
            scopes.insert(scope);
            if region.level == Level::County {
                reported.entry(scope).or_default().insert(code);
                self.by_key.insert((year, code, scope), (1, 1));
            }
        }
        let empty = BTreeSet::new();
        let mut rows = Vec::new();
        for &code in &touched {
            let level = match code {
                NATIONAL => "national",
                c => match t.get(c).map(|r| r.level) {
                    Some(Level::Prefecture) => "prefecture",
                    Some(Level::Province) => "province",
                    _ => continue,
                },
            };
            let expected = under.get(&code).map_or(&[][..], Vec::as_slice);
            for &scope in &scopes {
                let have = reported.get(&scope).unwrap_or(&empty);
                let missing: Vec<u32> = expected.iter().copied().filter(|c| !have.contains(c)).collect();
                let reported = expected.len() - missing.len();
                self.by_key.insert((year, code, scope), (reported, expected.len()));
                rows.push(Row {
                    code,
                    level,
                    year,
                    scope: BodyKind::from_index(scope).unwrap_or_default(),
                    expected: expected.len(),
                    reported,
                    missing,
                });
            }
        }
        let order = |l: &str| ["prefecture", "province", "national"].iter().position(|x| *x == l);
        rows.sort_by_key(|r| (order(r.level), r.code, r.scope));
        self.rows.extend(rows);
        // Whom to chase: counties without a government report whose parent some report covers.
        let government = reported.get(&BodyKind::Government.index()).unwrap_or(&empty);
        for c in t.iter().filter(|r| r.level == Level::County) {
            let Some(parent) = c.parent else { continue };
            if chased.contains(&parent) && !government.contains(&c.code) {
                self.missing.push(Missing { code: c.code, parent, year });
            }
        }
    }

    /// The coverage of a region's total in a year and scope (a county's: 1 when it reported).
    pub fn coverage(&self, year: i32, code: u32, scope: u32) -> Option<f64> {
        self.by_key.get(&(year, code, scope)).map(|&(r, e)| if e == 0 { 0.0 } else { r as f64 / e as f64 })
    }

    /// (reported, expected) county-level units of a region's total in a year and scope.
    pub fn counts(&self, year: i32, code: u32, scope: u32) -> Option<(usize, usize)> {
        self.by_key.get(&(year, code, scope)).copied()
    }

    /// Write `coverage.parquet` into `dir` and `missing.csv` into `validation`. With `previous`
    /// (the published `coverage/`), a file that came out byte for byte the same is the published
    /// one, hard-linked, as every unchanged partition is.
    pub fn write(&self, dir: &Path, validation: &Path, previous: Option<&Path>) -> Result<()> {
        std::fs::create_dir_all(dir).at(dir)?;
        let name = |code: u32| -> String {
            if code == NATIONAL {
                NATIONAL_NAME.to_string()
            } else {
                regions().get(code).map(|r| r.name.clone()).unwrap_or_default()
            }
        };
        let n = self.rows.len();
        let mut missing = ListBuilder::new(StringBuilder::new());
        for r in &self.rows {
            for c in &r.missing {
                missing.values().append_value(format!("{c:06}"));
            }
            missing.append(true);
        }
        let columns: Vec<(&str, ArrayRef)> = vec![
            (
                "region_code",
                Arc::new(StringArray::from_iter_values(self.rows.iter().map(|r| format!("{:06}", r.code)))),
            ),
            ("region_name", Arc::new(StringArray::from_iter_values(self.rows.iter().map(|r| name(r.code))))),
            ("level", Arc::new(StringArray::from_iter_values(self.rows.iter().map(|r| r.level)))),
            ("year", Arc::new(Int32Array::from_iter_values(self.rows.iter().map(|r| r.year)))),
            ("scope", Arc::new(StringArray::from_iter_values(self.rows.iter().map(|r| r.scope.as_str())))),
            ("expected", Arc::new(Int64Array::from_iter_values(self.rows.iter().map(|r| r.expected as i64)))),
            ("reported", Arc::new(Int64Array::from_iter_values(self.rows.iter().map(|r| r.reported as i64)))),
            ("coverage", Arc::new(Float64Array::from_iter_values(self.rows.iter().map(Row::coverage)))),
            ("missing", Arc::new(missing.finish())),
        ];
        debug_assert!(columns.iter().all(|(_, a)| a.len() == n));
        let batch = RecordBatch::try_from_iter(columns)?;
        let file = dir.join("coverage.parquet");
        write_parquet(&file, &batch, FileMeta::new("coverage", &[]))?;
        if let Some(old) = previous.map(|p| p.join("coverage.parquet")) {
            crate::store::reuse::keep_if_same(&file, &old)?;
        }
        std::fs::create_dir_all(validation).at(validation)?;
        let path = validation.join("missing.csv");
        let mut w = csv::Writer::from_writer(Vec::new());
        let csv_err = |e: csv::Error| crate::support::error::Error::Csv { path: path.clone(), source: e };
        w.write_record(["region_code", "region_name", "parent_code", "parent_name", "year", "scope"])
            .map_err(csv_err)?;
        for m in &self.missing {
            w.write_record([
                format!("{:06}", m.code),
                name(m.code),
                format!("{:06}", m.parent),
                name(m.parent),
                m.year.to_string(),
                BodyKind::Government.as_str().to_string(),
            ])
            .map_err(csv_err)?;
        }
        let mut bytes = "\u{FEFF}".as_bytes().to_vec();
        bytes.extend(w.into_inner().map_err(|e| csv_err(e.into_error().into()))?);
        // Written in place: `validation/` is in the staging folder, published whole with the rest.
        std::fs::write(&path, bytes).at(&path)?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_missing_county_is_named_at_every_level() {
        let mut c = Coverage::default();
        // 喀什地区 has 12 county-level units; all but 653128 reported in 2023, and one department.
        let kashgar: Vec<u32> = counties_under()[&653100].clone();
        assert_eq!(kashgar.len(), 12);
        let mut reports: BTreeSet<(u32, u32)> =
            kashgar.iter().filter(|&&k| k != 653128).map(|&k| (k, 0)).collect();
        reports.insert((653101, 1));
        c.add_year(2023, &reports);
        let row = c.rows.iter().find(|r| r.code == 653100 && r.scope == BodyKind::Government).unwrap();
        assert_eq!((row.expected, row.reported, row.missing.clone()), (12, 11, vec![653128]));
        assert_eq!(c.counts(2023, 653100, 1), Some((1, 12)));
        let xinjiang = c.rows.iter().find(|r| r.code == 650000 && r.scope == BodyKind::Government).unwrap();
        assert_eq!(xinjiang.reported, 11);
        assert!(xinjiang.expected > 12);
        assert_eq!(c.missing, vec![Missing { code: 653128, parent: 653100, year: 2023 }]);
        assert_eq!(c.coverage(2023, 653101, 0), Some(1.0));
    }
}
