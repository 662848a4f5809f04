//! Cells wait between reading and their year's merge: in memory up to a budget
//! ([`HELD_CELLS`]), beyond it on disk, one file per report year, so that a run holds at most the
//! budget and one year of cells and reports however many years and files the input spans.
//! A file's cells of one year are one record (in memory or on disk, never split), so each file
//! gets back exactly the cells it put, in the order they were read, and the merge sees what it
//! would have seen with everything in memory.
//!
//! Who holds what: a first run's reading sends every file's cells to disk at once (budget 0;
//! held in memory, a national first run was no faster, see `pipeline::read_and_validate`); a
//! re-run's cells from the cache, the few years merged again, stay in memory up to the budget.

use crate::model::{Cell, ParsedFile};
use crate::support::codec;
use crate::support::error::{Error, IoContext, Result};
use std::collections::BTreeMap;
use std::fs::File;
use std::io::{BufReader, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

struct YearFile {
    writer: Option<BufWriter<File>>,
    records: u64,
}

/// Cells held in memory before the rest goes to disk: 4 M cells, 160 MB (a [`Cell`] is 40 bytes).
pub const HELD_CELLS: usize = 4_000_000;

/// A year's cells kept in memory: (file number, cells) in the order put.
type HeldYear = Vec<(u32, Vec<Cell>)>;

/// What is held in memory, and how many cells that is.
#[derive(Default)]
struct Held {
    years: BTreeMap<i32, HeldYear>,
    cells: usize,
}

/// The spill: cells in memory up to its budget, the rest in a folder made when first needed and
/// removed when the spill drops, whatever happened.
pub struct Spill {
    dir: PathBuf,
    years: Mutex<BTreeMap<i32, YearFile>>,
    held: Mutex<Held>,
    budget: usize,
    made_dir: std::sync::atomic::AtomicBool,
}

impl Spill {
    /// A spill to `dir` that holds up to `budget` cells in memory ([`HELD_CELLS`]; 0: all on
    /// disk). A folder left at `dir` by a run that crashed is cleared.
    pub fn create(dir: &Path, budget: usize) -> Result<Spill> {
        if dir.exists() {
            std::fs::remove_dir_all(dir).at(dir)?;
        }
        Ok(Spill {
            dir: dir.to_path_buf(),
            years: Mutex::new(BTreeMap::new()),
            held: Mutex::new(Held::default()),
            budget,
            made_dir: std::sync::atomic::AtomicBool::new(false),
        })
    }

    fn path(&self, year: i32) -> PathBuf {
        self.dir.join(format!("cells-{year}.bin"))
    }

    /// Move the cells of file number `index` out of `file`, by the year of the report each belongs to.
    pub fn put(&self, index: u32, file: &mut ParsedFile) -> Result<()> {
        let cells = std::mem::take(&mut file.cells);
        let year_of = |c: &Cell| file.reports.get(c.report as usize).map_or(i32::MIN, |k| k.year);
        let mut by_year: BTreeMap<i32, Vec<Cell>> = BTreeMap::new();
        match cells.first().map(year_of) {
            // Nearly every file is one report of one year: its cells move as they are, uncopied.
            Some(first) if cells.iter().all(|c| year_of(c) == first) => {
                by_year.insert(first, cells);
            }
            _ => {
                for c in cells {
                    by_year.entry(year_of(&c)).or_default().push(c);
                }
            }
        }
        {
            let n: usize = by_year.values().map(Vec::len).sum();
            let mut held = self.held.lock().unwrap_or_else(|p| p.into_inner());
            if held.cells + n <= self.budget {
                held.cells += n;
                for (year, cells) in by_year {
                    held.years.entry(year).or_default().push((index, cells));
                }
                return Ok(());
            }
        }
        // Serialized before taking the lock: the lock only covers the append.
        let records: Vec<(i32, Vec<u8>)> = by_year
            .into_iter()
            .map(|(y, cells)| {
                let mut bytes = Vec::new();
                codec::write_record(&mut bytes, &(index, cells)).map(|()| (y, bytes))
            })
            .collect::<std::result::Result<_, _>>()
            .map_err(|e| Error::Io {
                path: self.dir.clone(),
                source: std::io::Error::other(e.to_string()),
            })?;
        let mut years = self.years.lock().unwrap_or_else(|p| p.into_inner());
        for (year, bytes) in records {
            let slot = match years.entry(year) {
                std::collections::btree_map::Entry::Occupied(o) => o.into_mut(),
                std::collections::btree_map::Entry::Vacant(v) => {
                    if !self.made_dir.swap(true, std::sync::atomic::Ordering::Relaxed) {
                        std::fs::create_dir_all(&self.dir).at(&self.dir)?;
                    }
                    let path = self.path(year);
                    let file = File::create(&path).at(&path)?;
                    v.insert(YearFile { writer: Some(BufWriter::with_capacity(1 << 20, file)), records: 0 })
                }
            };
            if let Some(w) = slot.writer.as_mut() {
                w.write_all(&bytes).at(self.path(year))?;
                slot.records += 1;
            }
        }
        Ok(())
    }

    /// The years spilled, ascending.
    pub fn years(&self) -> Vec<i32> {
        let mut years: std::collections::BTreeSet<i32> =
            self.held.lock().unwrap_or_else(|p| p.into_inner()).years.keys().copied().collect();
        years.extend(self.years.lock().unwrap_or_else(|p| p.into_inner()).keys().copied());
        years.into_iter().collect()
    }

    /// Give each file back its cells of `year`; the year's spill file is gone afterwards.
    pub fn take_year(&self, year: i32, files: &mut [ParsedFile]) -> Result<()> {
        let taken = {
            let mut held = self.held.lock().unwrap_or_else(|p| p.into_inner());
            let taken = held.years.remove(&year).unwrap_or_default();
            held.cells -= taken.iter().map(|(_, c)| c.len()).sum::<usize>();
            taken
        };
        for (index, cells) in taken {
            if let Some(f) = files.get_mut(index as usize) {
                if f.cells.is_empty() {
                    f.cells = cells;
                } else {
                    f.cells.extend(cells);
                }
            }
        }
        let path = self.path(year);
        let records = {
            let mut years = self.years.lock().unwrap_or_else(|p| p.into_inner());
            let Some(slot) = years.get_mut(&year) else { return Ok(()) };
            if let Some(w) = slot.writer.take() {
                w.into_inner().map_err(|e| e.into_error()).at(&path)?;
            }
            slot.records
        };
        let mut reader = BufReader::with_capacity(1 << 20, File::open(&path).at(&path)?);
        let mut buf = Vec::new();
        for _ in 0..records {
            let (index, cells): (u32, Vec<Cell>) =
                codec::read_record(&mut reader, &mut buf).map_err(|e| Error::Io {
                    path: path.clone(),
                    source: std::io::Error::other(e.to_string()),
                })?;
            if let Some(f) = files.get_mut(index as usize) {
                if f.cells.is_empty() {
                    f.cells = cells;
                } else {
                    f.cells.extend(cells);
                }
            }
        }
        drop(reader);
        let _ = std::fs::remove_file(&path);
        Ok(())
    }
}

impl Drop for Spill {
    fn drop(&mut self) {
        if self.made_dir.load(std::sync::atomic::Ordering::Relaxed) {
            let _ = std::fs::remove_dir_all(&self.dir);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::InputFile;
    use crate::model::ReportKey;

    fn file(years: &[i32], cells: &[(u32, u32)]) -> ParsedFile {
        let mut f = ParsedFile::new(&InputFile::default());
        f.reports = years.iter().map(|&year| ReportKey { region: 653101, year, body: "b".into() }).collect();
        f.cells = cells
            .iter()
            .map(|&(report, line)| Cell {
                report,
                metric: 0,
                col: 0,
                record: line,
                line,
                value: Some(line as f64),
                declared: None,
                kind: None,
            })
            .collect();
        f
    }

    fn lines(f: &ParsedFile) -> Vec<u32> {
        f.cells.iter().map(|c| c.line).collect()
    }

    #[test]
    fn each_year_comes_back_to_its_files_in_the_order_read() {
        // All on disk, the first file held and the second on disk, all held.
        for budget in [0, 4, HELD_CELLS] {
            years_come_back(budget);
        }
    }

    fn years_come_back(budget: usize) {
        let dir = std::env::temp_dir().join(format!("xxgk-spill-test-{}-{budget}", std::process::id()));
        let spill = Spill::create(&dir, budget).unwrap();
        let mut files =
            vec![file(&[2022, 2021], &[(0, 1), (1, 2), (0, 3), (1, 4)]), file(&[2021], &[(0, 5)])];
        for (i, f) in files.iter_mut().enumerate() {
            spill.put(i as u32, f).unwrap();
            assert!(f.cells.is_empty(), "the cells left memory");
        }
        assert_eq!(spill.years(), [2021, 2022]);
        // The five cells: the second file's one goes to disk past a budget of four.
        assert_eq!(dir.join("cells-2021.bin").exists(), budget < 5, "on disk only past the budget");
        spill.take_year(2021, &mut files).unwrap();
        assert_eq!((lines(&files[0]), lines(&files[1])), (vec![2, 4], vec![5]));
        files.iter_mut().for_each(|f| f.cells.clear());
        spill.take_year(2022, &mut files).unwrap();
        assert_eq!((lines(&files[0]), lines(&files[1])), (vec![1, 3], vec![]));
        assert!(!dir.join("cells-2021.bin").exists(), "a year's file goes once taken");
        drop(spill);
        assert!(!dir.exists(), "the spill folder goes with the spill, and a spill in memory makes none");
    }
}
